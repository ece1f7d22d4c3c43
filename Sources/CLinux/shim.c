#define _GNU_SOURCE
#include <unistd.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include "CLinux.h"

int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}

int clinux_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

long clinux_sendfile(int out_fd, int in_fd, long long *offset, unsigned long count) {
    off_t position = (off_t)*offset;
    ssize_t sent = sendfile(out_fd, in_fd, &position, count);
    *offset = (long long)position;
    return sent;
}
