import itertools
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tests.support.ejabberd import Ejabberd  # noqa: E402
from tests.support.postgres import Postgres  # noqa: E402
from tests.support.prosody import Prosody  # noqa: E402
from tests.support.xmpp_client import close_loop, new_loop  # noqa: E402
from tests.support.scenario import start_gateway  # noqa: E402
from tests.support.standins import ProviderStandin  # noqa: E402

_ids = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def event_loop_for_clients():
    loop = new_loop()
    yield loop
    close_loop(loop)


@pytest.fixture(scope="module", params=["prosody", "ejabberd"])
def server(request, tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp(request.param))
    srv = Prosody(workdir) if request.param == "prosody" else Ejabberd(workdir)
    srv.start()
    yield srv
    if hasattr(srv, "cleanup"):
        srv.cleanup()
    else:
        srv.stop()


@pytest.fixture
def gateway(server, tmp_path):
    gw = start_gateway(server, tmp_path)
    yield gw
    code = gw.stop()
    assert code == 0, f"xpushd exited with {code}:\n{gw.log_tail()}"


@pytest.fixture
def users(server):
    """Fresh accounts for each test: (recipient, sender) as (jid, password)."""
    n = next(_ids)
    made = []
    for who in ("alice", "bob"):
        name = f"{who}{n}"
        server.register(name, "pw-" + name)
        made.append((f"{name}@{server.domain}", "pw-" + name))
    return made


@pytest.fixture
def standin(tmp_path):
    """The APNs, FCM and OAuth2 stand-ins on a port of their own."""
    s = ProviderStandin(str(tmp_path))
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A real PostgreSQL on loopback, shared by the tests that need one."""
    server = Postgres(str(tmp_path_factory.mktemp("postgres"))).start()
    yield server
    server.remove()


@pytest.fixture
def pg_database(postgres):
    """A fresh, empty database of its own: its libpq connection string."""
    name = f"xpush_t{next(_ids)}"
    postgres.psql(f"CREATE DATABASE {name}")
    return postgres.dsn.replace("dbname=xpush", f"dbname={name}")
