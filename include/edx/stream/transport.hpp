// Protocol v1 over file descriptors: TCP sockets (POSIX, IPv4/IPv6 by name),
// pipes and standard input/output. serve_input() runs one whole session from
// an input descriptor and writes its events to an output descriptor; reading
// stops while the session has no room, so a fast sender is slowed by TCP
// itself, and a consumer that stops reading events only loses events.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "edx/stream/session.hpp"

namespace edx::stream {

struct Endpoint {
    std::string host;
    std::uint16_t port = 0;
};

// "[HOST:]PORT" ("5000", "127.0.0.1:5000", "[::1]:5000", "localhost:0"); a
// missing host is `default_host`. Throws std::invalid_argument naming the text.
Endpoint parse_endpoint(std::string_view text, std::string_view default_host = "127.0.0.1");

// An owned file descriptor.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    ~UniqueFd();
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_ = -1;
};

// Listens on the endpoint (port 0: an ephemeral port, see bound_port).
// Throws std::system_error naming the endpoint.
UniqueFd listen_tcp(const Endpoint& endpoint, std::uint16_t* bound_port = nullptr);
// Waits up to `timeout` for a connection; an empty UniqueFd on timeout.
UniqueFd accept_connection(int listen_fd, std::chrono::milliseconds timeout);
// Connects, retrying until `timeout` (the other side may still be starting).
// Throws std::system_error naming the endpoint.
UniqueFd connect_tcp(const Endpoint& endpoint, std::chrono::milliseconds timeout);

struct ServeOptions {
    std::size_t read_buffer = std::size_t{1} << 20;
    // After the session's last event is queued, how long to keep trying to
    // deliver what is left to a consumer that does not read.
    std::chrono::milliseconds linger{2000};
    // Set from elsewhere (a signal handler) to end the session as disconnected.
    const std::atomic<bool>* stop = nullptr;
    std::string source = "stream";  // names the input in messages
};

struct ServeOutcome {
    SessionEnd ended = SessionEnd::disconnect;
    bool started = false;          // a header was accepted and a session ran
    bool empty = false;            // the input closed before sending a byte
    std::string message;           // one line for stderr: what ended the session, or why none started
    Json summary;                  // the session's results (null when none started)
    std::uint64_t bytes_read = 0;
    std::uint64_t events_written = 0;
    std::uint64_t events_dropped = 0;    // by the queue (consumer too slow), as the summary counts them
    std::uint64_t events_abandoned = 0;  // still queued when the linger ran out
    std::string out_error;               // --out could not be written
};

// Runs one session: reads protocol v1 from in_fd until END, a protocol error
// or the end of the input, writes every event as a JSON line to out_fd (a
// socket, pipe, file or terminal). A bad header is answered with an `error`
// event. Never throws for bad input; throws only if a thread cannot start.
ServeOutcome serve_input(int in_fd, int out_fd, const SessionOptions& session_options,
                         const ServeOptions& options = {});

// Writes all of `text` to fd, waiting at most `timeout` for it to accept
// bytes (poll): false if it failed or timed out. MSG_NOSIGNAL on sockets.
bool write_fully(int fd, std::string_view text, std::chrono::milliseconds timeout);

}  // namespace edx::stream
