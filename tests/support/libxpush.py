"""ctypes binding of libxpush's C ABI (module/xpush.h), for tests."""
import ctypes
import os

from .xpushd import xpushd_binary

OK, EINVAL, ETOOBIG, ECONFIG, EABI, ECLOSED, ENOSPC, EREFUSED, EINTERNAL = range(9)

DONE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p,
                        ctypes.c_char_p)


class Counters(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("component_connected", ctypes.c_uint32)] + [
        (name, ctypes.c_uint64) for name in (
            "publishes", "registrations", "forwarded", "dropped_by_rules", "notifications_accepted",
            "delivered", "retried", "dead_letters", "tokens_invalid")]


def library_path():
    return os.path.join(os.path.dirname(xpushd_binary()), "libxpush.so.1")


def load(path=None):
    lib = ctypes.CDLL(path or library_path())
    handle = ctypes.c_void_p
    sig = {
        "xpush_abi_version": (ctypes.c_uint32, []),
        "xpush_status_text": (ctypes.c_char_p, [ctypes.c_int]),
        "xpush_open_yaml": (ctypes.c_int, [ctypes.c_uint32, ctypes.c_char_p, ctypes.c_size_t,
                                           ctypes.POINTER(handle), ctypes.c_char_p, ctypes.c_size_t]),
        "xpush_open_file": (ctypes.c_int, [ctypes.c_uint32, ctypes.c_char_p, ctypes.POINTER(handle),
                                           ctypes.c_char_p, ctypes.c_size_t]),
        "xpush_submit_stanza": (ctypes.c_int, [handle, ctypes.c_char_p, ctypes.c_size_t]),
        "xpush_register_device": (ctypes.c_int, [handle] + [ctypes.c_char_p] * 5 + [DONE, ctypes.c_void_p]),
        "xpush_unregister_device": (ctypes.c_int, [handle] + [ctypes.c_char_p] * 3 + [DONE, ctypes.c_void_p]),
        "xpush_submit_summary": (ctypes.c_int, [handle] + [ctypes.c_char_p] * 6 + [DONE, ctypes.c_void_p]),
        "xpush_sanitize": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                                          ctypes.POINTER(ctypes.c_size_t)]),
        "xpush_get_counters": (ctypes.c_int, [handle, ctypes.POINTER(Counters)]),
        "xpush_close": (ctypes.c_int, [handle]),
    }
    for name, (restype, argtypes) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib
