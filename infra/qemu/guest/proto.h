/*
 * Wire format of the VM command channel (icb-agent in the guest, icb-vmexec on the host).
 * Request: "ICB1", u32 argc, then argc x (u32 len, bytes). Then stdin frames.
 * Frames (both ways): 1 byte type, u32 length (big endian), payload.
 *   host -> guest: 'I' stdin data, 'C' stdin closed.
 *   guest -> host: 'O' stdout, 'E' stderr, 'X' exit status (payload: i32, 128+signal when killed).
 * A connection closed by the host before 'X' kills the command's process group in the guest.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define ICB_MAGIC "ICB1"
#define ICB_MAX_ARGS 4096
#define ICB_MAX_ARG (1u << 20)

static int write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int read_all(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static int put_u32(int fd, uint32_t v) {
  unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};
  return write_all(fd, b, 4);
}

static int get_u32(int fd, uint32_t *v) {
  unsigned char b[4];
  if (read_all(fd, b, 4)) return -1;
  *v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
  return 0;
}

static int put_frame(int fd, char type, const void *data, uint32_t len) {
  if (write_all(fd, &type, 1) || put_u32(fd, len)) return -1;
  return len ? write_all(fd, data, len) : 0;
}
