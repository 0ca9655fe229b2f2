/* An example host for libxpush in C: loads the library at run time, checks
 * its ABI, registers a device, hands over an offline stanza, waits for the
 * notification to be accepted, and shows that bad calls return errors.
 *
 *   xpush_host LIBRARY CONFIG STANZA_FILE ACCOUNT TOKEN
 *
 * Prints what happened, one line a step; exits 0 when every step did what
 * the ABI promises. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "module/xpush.h"

struct api {
  uint32_t (*abi_version)(void);
  const char* (*status_text)(xpush_status);
  xpush_status (*open_file)(uint32_t, const char*, xpush_engine**, char*, size_t);
  xpush_status (*submit_stanza)(xpush_engine*, const char*, size_t);
  xpush_status (*register_device)(xpush_engine*, const char*, const char*, const char*, const char*,
                                  const char*, xpush_done_fn, void*);
  xpush_status (*sanitize)(const char*, size_t, char*, size_t, size_t*);
  xpush_status (*get_counters)(xpush_engine*, xpush_counters*);
  xpush_status (*close)(xpush_engine*);
};

struct waiter {
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  int done;
  xpush_status status;
  char node[128];
};

static void on_registered(void* user, xpush_status status, const char* node, const char* secret,
                          const char* error_text) {
  struct waiter* w = user;
  (void)secret;
  pthread_mutex_lock(&w->mutex);
  w->status = status;
  snprintf(w->node, sizeof w->node, "%s", node ? node : (error_text ? error_text : ""));
  w->done = 1;
  pthread_cond_signal(&w->cond);
  pthread_mutex_unlock(&w->mutex);
}

static int load(struct api* api, const char* path) {
  void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 0;
  }
#define SYM(field, name)                                   \
  *(void**)(&api->field) = dlsym(lib, name);               \
  if (!api->field) {                                       \
    fprintf(stderr, "missing symbol %s\n", name);          \
    return 0;                                              \
  }
  SYM(abi_version, "xpush_abi_version");
  SYM(status_text, "xpush_status_text");
  SYM(open_file, "xpush_open_file");
  SYM(submit_stanza, "xpush_submit_stanza");
  SYM(register_device, "xpush_register_device");
  SYM(sanitize, "xpush_sanitize");
  SYM(get_counters, "xpush_get_counters");
  SYM(close, "xpush_close");
#undef SYM
  return 1;
}

static char* read_all(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  char* buf = malloc(1 << 20);
  *len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
  fclose(f);
  if (buf) buf[*len] = '\0';
  return buf;
}

static int check(int ok, const char* what) {
  printf("%s: %s\n", what, ok ? "ok" : "FAILED");
  return ok;
}

int main(int argc, char** argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s LIBRARY CONFIG STANZA_FILE ACCOUNT TOKEN\n", argv[0]);
    return 2;
  }
  struct api api;
  if (!load(&api, argv[1])) return 1;
  int ok = check(api.abi_version() == XPUSH_ABI_VERSION, "abi version");

  char error[512] = "";
  xpush_engine* x = NULL;
  ok &= check(api.open_file(XPUSH_ABI_VERSION + 1, argv[2], &x, error, sizeof error) == XPUSH_EABI && !x,
              "a host built for another ABI is refused");
  xpush_status s = api.open_file(XPUSH_ABI_VERSION, argv[2], &x, error, sizeof error);
  if (s != XPUSH_OK) {
    printf("open: %s: %s\n", api.status_text(s), error);
    return 1;
  }

  struct waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, XPUSH_OK, ""};
  s = api.register_device(x, argv[4], "host-device", "fcm", argv[5], NULL, on_registered, &w);
  ok &= check(s == XPUSH_OK, "register queued");
  pthread_mutex_lock(&w.mutex);
  while (!w.done) pthread_cond_wait(&w.cond, &w.mutex);
  pthread_mutex_unlock(&w.mutex);
  ok &= check(w.status == XPUSH_OK && strlen(w.node) >= 16, "registered");
  printf("node=%s\n", w.node);

  size_t len = 0;
  char* stanza = read_all(argv[3], &len);
  ok &= check(stanza && api.submit_stanza(x, stanza, len) == XPUSH_OK, "stanza submitted");
  free(stanza);

  xpush_counters c;
  memset(&c, 0, sizeof c);
  c.size = sizeof c;
  for (int i = 0; i < 100; ++i) { /* bounded: 10 s */
    if (api.get_counters(x, &c) == XPUSH_OK && c.notifications_accepted >= 1) break;
    struct timespec t = {0, 100 * 1000 * 1000};
    nanosleep(&t, NULL);
  }
  ok &= check(c.forwarded == 1 && c.notifications_accepted == 1, "notification accepted");

  char out[64];
  size_t needed = 0;
  ok &= check(api.sanitize("a\x01" "b\xC3\x28", 5, out, sizeof out, &needed) == XPUSH_OK &&
                  strcmp(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD(") == 0,
              "sanitize");
  ok &= check(api.sanitize("abc", 3, out, 2, &needed) == XPUSH_ENOSPC && needed == 4, "sanitize: too small");
  ok &= check(api.submit_stanza(x, NULL, 10) == XPUSH_EINVAL, "NULL stanza");
  ok &= check(api.submit_stanza(x, "<message to='a@b'><body>\xC3\x28</body></message>", 40) == XPUSH_EINVAL,
              "invalid UTF-8");
  ok &= check(api.register_device(x, "not a jid/res", "d", "fcm", "t", NULL, on_registered, &w) == XPUSH_EINVAL,
              "bad account");
  ok &= check(api.submit_stanza((xpush_engine*)(uintptr_t)0xdead, "<message/>", 10) == XPUSH_ECLOSED,
              "a made-up handle");
  ok &= check(api.close(x) == XPUSH_OK, "close");
  ok &= check(api.close(x) == XPUSH_ECLOSED, "close twice");
  ok &= check(api.submit_stanza(x, "<message/>", 10) == XPUSH_ECLOSED, "use after close");
  ok &= check(api.close(NULL) == XPUSH_OK, "close NULL");
  return ok ? 0 : 1;
}
