/*
 * icb-agent: the guest side of a lab VM's command channel. Listens on TCP (the VM's private
 * user-mode NIC, never the cluster segment), one forked handler per connection: runs the argv it
 * is sent in a new process group with piped stdin/stdout/stderr, streams the output back as
 * frames and ends with the exit status. If the host closes the connection first (the runner
 * killed its client), the whole process group is killed: TERM, then KILL after 1 s.
 * Usage: icb-agent <bind address> <port>
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "proto.h"

static void kill_group(pid_t pg) {
  kill(-pg, SIGTERM);
  for (int i = 0; i < 100; i++) {
    if (kill(-pg, 0) < 0) return;
    waitpid(pg, NULL, WNOHANG);
    usleep(10000);
  }
  kill(-pg, SIGKILL);
}

static void handle(int s) {
  char magic[4];
  uint32_t argc;
  if (read_all(s, magic, 4) || memcmp(magic, ICB_MAGIC, 4) || get_u32(s, &argc) || argc == 0 || argc > ICB_MAX_ARGS) _exit(2);
  char **argv = calloc(argc + 1, sizeof(char *));
  for (uint32_t i = 0; i < argc; i++) {
    uint32_t len;
    if (get_u32(s, &len) || len > ICB_MAX_ARG) _exit(2);
    argv[i] = malloc(len + 1);
    if (read_all(s, argv[i], len)) _exit(2);
    argv[i][len] = 0;
  }
  int in[2], out[2], err[2];
  if (pipe(in) || pipe(out) || pipe(err)) _exit(3);
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd = 3; fd < 1024; fd++) close(fd);
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
    fprintf(stderr, "icb-agent: %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  int stdin_fd = in[1], fds[2] = {out[0], err[0]}, status = -1, exited = 0;
  char buf[65536];
  for (;;) {
    struct pollfd p[3] = {{s, POLLIN, 0}, {fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
    int n = poll(p, 3, exited ? 50 : 200);
    if (n < 0 && errno != EINTR) break;
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char type;
      uint32_t len;
      if (read_all(s, &type, 1) || get_u32(s, &len) || len > sizeof buf) {
        kill_group(pid);
        _exit(0);
      }
      if (len && read_all(s, buf, len)) {
        kill_group(pid);
        _exit(0);
      }
      if (type == 'I' && stdin_fd >= 0 && len) write_all(stdin_fd, buf, len);
      if (type == 'C' && stdin_fd >= 0) {
        close(stdin_fd);
        stdin_fd = -1;
      }
    }
    int open_fds = 0;
    for (int k = 0; k < 2; k++) {
      if (fds[k] < 0) continue;
      if (p[k + 1].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t r = read(fds[k], buf, sizeof buf);
        if (r > 0) {
          if (put_frame(s, k ? 'E' : 'O', buf, (uint32_t)r)) {
            kill_group(pid);
            _exit(0);
          }
        } else if (r == 0 || errno != EINTR) {
          close(fds[k]);
          fds[k] = -1;
        }
      }
      if (fds[k] >= 0) open_fds++;
    }
    if (!exited) {
      int st;
      if (waitpid(pid, &st, WNOHANG) == pid) {
        exited = 1;
        status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
    }
    /* Done when the command exited and its pipes are drained (or idle: a daemon it left holds them). */
    if (exited && (open_fds == 0 || n == 0)) break;
  }
  unsigned char b[4] = {(uint32_t)status >> 24, (uint32_t)status >> 16, (uint32_t)status >> 8, (uint32_t)status};
  put_frame(s, 'X', b, 4);
  shutdown(s, SHUT_WR);
  _exit(0);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: icb-agent <bind address> <port>\n");
    return 2;
  }
  signal(SIGCHLD, SIG_IGN); /* handlers reap themselves */
  signal(SIGPIPE, SIG_IGN);
  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 64)) {
    perror("icb-agent: listen");
    return 1;
  }
  for (;;) {
    int s = accept(l, NULL, NULL);
    if (s < 0) continue;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fork() == 0) {
      close(l);
      signal(SIGCHLD, SIG_DFL);
      handle(s);
    }
    close(s);
  }
}
