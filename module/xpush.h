/* libxpush: the xpush engine in process, behind a small C ABI.
 *
 * A host (an XMPP server module, a test, xpushctl-like tools) opens an engine
 * from an xpush.yaml, hands it offline stanzas, summaries and device
 * registrations, and closes it. Every call is thread-safe and returns at
 * once: the work is posted to the engine's own loop thread, and results that
 * need the store come back through a callback on that thread. No C++
 * exception or type crosses this boundary; bad arguments (NULL, invalid
 * UTF-8, oversized input, a closed handle) return an error code.
 *
 * Link with -lxpush, or dlopen("libxpush.so.1") and check
 * xpush_abi_version() == XPUSH_ABI_VERSION; xpush_open_* refuse a caller
 * built for another ABI version.
 */
#ifndef XPUSH_H
#define XPUSH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XPUSH_ABI_VERSION 1u

#if defined(__GNUC__)
#define XPUSH_API __attribute__((visibility("default")))
#else
#define XPUSH_API
#endif

/* One engine. Opaque: the host only passes it back. */
typedef struct xpush_engine xpush_engine;

typedef enum xpush_status {
  XPUSH_OK = 0,
  XPUSH_EINVAL = 1,    /* a NULL, empty or malformed argument, or text that is not valid UTF-8 XML */
  XPUSH_ETOOBIG = 2,   /* input larger than the configured component.max_stanza_bytes */
  XPUSH_ECONFIG = 3,   /* the configuration or the rules did not load; see the error text */
  XPUSH_EABI = 4,      /* the caller was built for another XPUSH_ABI_VERSION */
  XPUSH_ECLOSED = 5,   /* the handle was closed, or is not one xpush_open_* returned */
  XPUSH_ENOSPC = 6,    /* the output buffer is too small; *needed says how large it must be */
  XPUSH_EREFUSED = 7,  /* the engine refused the request; the callback's text says why */
  XPUSH_EINTERNAL = 8  /* anything else; the engine stays usable */
} xpush_status;

XPUSH_API uint32_t xpush_abi_version(void);
/* A short English description of a status; never NULL. */
XPUSH_API const char* xpush_status_text(xpush_status status);

/* Opens an engine and starts its loop (component link, push delivery) on a
 * thread of its own. On failure *out is NULL and, if `error` is not NULL, it
 * receives a NUL-terminated explanation cut to `error_size` bytes. */
XPUSH_API xpush_status xpush_open_file(uint32_t abi_version, const char* config_path, xpush_engine** out, char* error,
                             size_t error_size);
XPUSH_API xpush_status xpush_open_yaml(uint32_t abi_version, const char* yaml, size_t yaml_len, xpush_engine** out,
                             char* error, size_t error_size);

/* Hands over one offline <message/> (UTF-8 XML, the default namespace is
 * jabber:client) addressed to a local user of a configured server domain.
 * It is decided by the rules and pushed to every device the user
 * registered. Returns once queued. */
XPUSH_API xpush_status xpush_submit_stanza(xpush_engine* x, const char* xml, size_t xml_len);

/* Called exactly once when a request below is done, on the engine's thread.
 * `status` is XPUSH_OK or XPUSH_EREFUSED (with `error_text`). `node` and
 * `secret` are set by a registration; every string is valid during the call
 * only and may be NULL. */
typedef void (*xpush_done_fn)(void* user, xpush_status status, const char* node, const char* secret,
                              const char* error_text);

/* Registers a device for `account` (a bare JID of a configured server
 * domain), as the register-push-<platform> command does. `platform` is
 * "apns", "fcm", "webpush", "webhook", "hms", "honor", "xiaomi", "oppo" or
 * "vivo"; for "webpush", `token` is the subscription as
 * JSON ({"endpoint":…,"keys":{"p256dh":…,"auth":…}}, what
 * PushSubscription.toJSON() gives). `app` names a configured app or is NULL
 * for the default. */
XPUSH_API xpush_status xpush_register_device(xpush_engine* x, const char* account, const char* device_id,
                                   const char* platform, const char* token, const char* app,
                                   xpush_done_fn done, void* user);
XPUSH_API xpush_status xpush_unregister_device(xpush_engine* x, const char* account, const char* device_id,
                                     const char* platform, xpush_done_fn done, void* user);

/* A XEP-0357 summary for a registered node, as a server's publish carries
 * it. Any of the three summary fields may be NULL. */
XPUSH_API xpush_status xpush_submit_summary(xpush_engine* x, const char* server_domain, const char* node,
                                  const char* secret, const char* message_count,
                                  const char* last_message_sender, const char* last_message_body,
                                  xpush_done_fn done, void* user);

/* Makes `in` valid UTF-8 of XML characters (U+FFFD for the rest) into `out`,
 * NUL-terminated. *needed (if not NULL) receives the size `out` must have,
 * NUL included; XPUSH_ENOSPC when `out_size` is smaller. */
XPUSH_API xpush_status xpush_sanitize(const char* in, size_t in_len, char* out, size_t out_size, size_t* needed);

typedef struct xpush_counters {
  uint32_t size; /* the caller sets sizeof(xpush_counters); newer fields are filled only if it fits */
  uint32_t component_connected;
  uint64_t publishes;
  uint64_t registrations;
  uint64_t forwarded;
  uint64_t dropped_by_rules;
  uint64_t notifications_accepted;
  uint64_t delivered;
  uint64_t retried;
  uint64_t dead_letters;
  uint64_t tokens_invalid;
} xpush_counters;

/* The counters as of at most 100 ms ago. */
XPUSH_API xpush_status xpush_get_counters(xpush_engine* x, xpush_counters* out);

/* Stops the engine (closing its XMPP stream politely) and frees it. Requests
 * still queued are dropped; notifications already accepted stay in the
 * outbox for the next start. NULL is accepted; a closed handle gives
 * XPUSH_ECLOSED; a call from inside an xpush_done_fn gives XPUSH_EINVAL
 * (the engine cannot stop its own thread). */
XPUSH_API xpush_status xpush_close(xpush_engine* x);

/* For a host that restarts by exec() (xpushd's restart in place): like
 * xpush_close, but the XMPP stream stays open. Reading stops between
 * stanzas, the requests already received are answered (for at most 2 s), and
 * *link_fd receives the connected socket and *state_fd a memory file that
 * describes the stream; neither is closed on exec(). Hand both to
 * xpush_open_file_handed_over in the next process. When the link cannot be
 * handed over (down, over TLS) it is closed politely and both are -1. The
 * engine is closed whenever this returns XPUSH_OK. */
XPUSH_API xpush_status xpush_close_handing_over(xpush_engine* x, int* link_fd, int* state_fd);

/* xpush_open_file, carrying on the stream that xpush_close_handing_over
 * gave: no new connection, no handshake. Owns both descriptors whatever it
 * returns. If they do not describe the configured link (another host, port
 * or domain, or TLS now on), that stream is closed politely and the engine
 * connects anew. */
XPUSH_API xpush_status xpush_open_file_handed_over(uint32_t abi_version, const char* config_path, int link_fd,
                                                   int state_fd, xpush_engine** out, char* error,
                                                   size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* XPUSH_H */
