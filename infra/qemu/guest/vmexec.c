/*
 * icb-vmexec: the host side of a lab VM's command channel. Enters the network namespace where
 * the VM's QEMU forwards the agent port (its host namespace), connects to 127.0.0.1:<port>, sends
 * argv, relays stdin, writes the guest's stdout/stderr to its own, and exits with the guest
 * command's status. Killing it closes the connection, which kills the command in the guest.
 * Exit 255 with a message when the agent does not answer (VM not up, or gone).
 * Usage: icb-vmexec <netns path> <port> -- argv...
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include "proto.h"

int main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[3], "--")) {
    fprintf(stderr, "usage: icb-vmexec <netns path> <port> -- argv...\n");
    return 255;
  }
  signal(SIGPIPE, SIG_IGN);
  int nsfd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (nsfd < 0 || setns(nsfd, CLONE_NEWNET)) {
    fprintf(stderr, "icb-vmexec: entering %s: %s\n", argv[1], strerror(errno));
    return 255;
  }
  close(nsfd);
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connect(s, (struct sockaddr *)&a, sizeof a)) {
    fprintf(stderr, "icb-vmexec: VM agent on port %s: %s\n", argv[2], strerror(errno));
    return 255;
  }
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int n = argc - 4;
  if (write_all(s, ICB_MAGIC, 4) || put_u32(s, (uint32_t)n)) goto lost;
  for (int i = 0; i < n; i++) {
    size_t len = strlen(argv[4 + i]);
    if (put_u32(s, (uint32_t)len) || write_all(s, argv[4 + i], len)) goto lost;
  }
  int in_open = 1;
  char buf[65536];
  for (;;) {
    struct pollfd p[2] = {{s, POLLIN, 0}, {0, in_open ? POLLIN : 0, 0}};
    if (poll(p, in_open ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      goto lost;
    }
    if (in_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
      ssize_t r = (p[1].revents & POLLNVAL) ? 0 : read(0, buf, sizeof buf);
      if (r > 0) {
        if (put_frame(s, 'I', buf, (uint32_t)r)) goto lost;
      } else if (r == 0 || errno != EINTR) {
        in_open = 0;
        if (put_frame(s, 'C', NULL, 0)) goto lost;
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char type;
      uint32_t len;
      if (read_all(s, &type, 1) || get_u32(s, &len) || len > sizeof buf || (len && read_all(s, buf, len))) goto lost;
      if (type == 'O') write_all(1, buf, len);
      else if (type == 'E') write_all(2, buf, len);
      else if (type == 'X' && len == 4) {
        int32_t st = (int32_t)(((uint32_t)(unsigned char)buf[0] << 24) | ((uint32_t)(unsigned char)buf[1] << 16) | ((uint32_t)(unsigned char)buf[2] << 8) | (unsigned char)buf[3]);
        return st < 0 ? 255 : st;
      }
    }
  }
lost:
  fprintf(stderr, "icb-vmexec: connection to the VM agent (port %s) closed before the command's exit status\n", argv[2]);
  return 255;
}
