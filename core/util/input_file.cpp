// SPDX-License-Identifier: MIT
#include "core/util/input_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dash {

namespace {

std::string sizeText(uint64_t bytes) {
    if (bytes >= (uint64_t{1} << 20))
        return std::to_string(bytes >> 20) + " MiB";
    return std::to_string(bytes) + " bytes";
}

} // namespace

const char* fileTypeName(unsigned mode) {
    switch (mode & S_IFMT) {
    case S_IFREG:
        return "a regular file";
    case S_IFDIR:
        return "a directory";
    case S_IFIFO:
        return "a FIFO (named pipe)";
    case S_IFCHR:
        return "a character device";
    case S_IFBLK:
        return "a block device";
    case S_IFSOCK:
        return "a socket";
    case S_IFLNK:
        return "a symbolic link";
    }
    return "not a regular file";
}

Expected<RegularFile> openRegularFile(const std::string& path) {
    if (path.empty())
        return invalidError("an empty file name");
    // O_NONBLOCK: opening a FIFO without a writer returns at once instead of
    // waiting for one; the type check below then refuses it.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return ioError("cannot open '" + path + "': " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return ioError("cannot stat '" + path + "': " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return invalidError("'" + path + "' is " + fileTypeName(st.st_mode) +
                            ", not a regular file");
    }
    // Regular files never block; clear the flag so reads behave as usual.
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0)
        ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return RegularFile{fd, static_cast<uint64_t>(st.st_size)};
}

Expected<std::string> readInputFile(const std::string& path, const InputLimit& limit) {
    DASH_ASSIGN_OR_RETURN(RegularFile file, openRegularFile(path));
    auto tooLarge = [&](uint64_t size) {
        return invalidError("'" + path + "' is " + sizeText(size) + ", more than the " +
                            sizeText(limit.maxBytes) + " a " + limit.what + " may hold");
    };
    if (file.size > limit.maxBytes) {
        ::close(file.fd);
        return tooLarge(file.size);
    }
    std::string out;
    out.resize(static_cast<size_t>(file.size));
    size_t have = 0;
    while (true) {
        if (have == out.size()) {
            // The file may have grown since fstat: read on, up to the limit.
            if (out.size() > limit.maxBytes) {
                ::close(file.fd);
                return tooLarge(out.size());
            }
            out.resize(out.size() + 65536);
        }
        const ssize_t n = ::read(file.fd, out.data() + have, out.size() - have);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            ::close(file.fd);
            return ioError("cannot read '" + path + "': " + std::strerror(err));
        }
        if (n == 0)
            break;
        have += static_cast<size_t>(n);
    }
    ::close(file.fd);
    if (have > limit.maxBytes)
        return tooLarge(have);
    out.resize(have);
    return out;
}

} // namespace dash
