"""What every XMPP server launcher offers the tests: reading its log."""
from .procs import tail, wait_for


class ServerLog:
    """Subclasses set self.log and the two phrases their server logs."""
    component_authenticated_phrase = ""
    hibernated_phrase = ""

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def component_authenticated_count(self):
        return self.log_text().count(self.component_authenticated_phrase)

    def wait_component(self, count=1, timeout=60):
        wait_for(lambda: self.component_authenticated_count() >= count, timeout,
                 what=f"{count} component authentication(s) in the {self.name} log")

    def hibernated(self):
        """True once the log shows a XEP-0198 session kept after its TCP dropped."""
        return self.hibernated_phrase in self.log_text()

    def log_tail(self):
        return tail(self.log)
