#include "edx/stream/transport.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "edx/io/input_error.hpp"
#include "edx/stream/frame_parser.hpp"

namespace edx::stream {

namespace {

using Clock = std::chrono::steady_clock;

std::string endpoint_text(const Endpoint& e) {
    const bool v6 = e.host.find(':') != std::string::npos;
    return (v6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
}

struct AddrInfo {
    addrinfo* list = nullptr;
    ~AddrInfo() {
        if (list) ::freeaddrinfo(list);
    }
};

void resolve(const Endpoint& e, bool passive, AddrInfo& out) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    const std::string port = std::to_string(e.port);
    const int rc = ::getaddrinfo(e.host.empty() ? nullptr : e.host.c_str(), port.c_str(), &hints, &out.list);
    if (rc != 0) {
        throw std::system_error(std::make_error_code(std::errc::address_not_available),
                                endpoint_text(e) + ": " + ::gai_strerror(rc));
    }
}

bool is_socket(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

// Adapts the parser's callbacks to the session; remembers a request the
// session found invalid (an index beyond what events can carry).
class SessionSink final : public FrameSink {
public:
    explicit SessionSink(Session& s) : session_(s) {}
    bool samples_begin(std::uint64_t first, std::uint64_t frames) noexcept override {
        return check(session_.begin_samples(first, frames), "first_sample_index beyond 2^53");
    }
    std::size_t samples(const std::byte* data, std::size_t frames) noexcept override {
        return session_.samples(data, frames);
    }
    bool stimulus(std::uint64_t index, double intensity) noexcept override {
        return check(session_.stimulus(index, intensity), "STIMULUS sample_index beyond 2^53");
    }
    bool marker(std::uint64_t index, std::string_view label) noexcept override {
        return check(session_.marker(index, label), "MARKER sample_index beyond 2^53");
    }
    bool end() noexcept override { return check(session_.end(), ""); }

    const char* invalid = nullptr;

private:
    bool check(PushStatus status, const char* why) noexcept {
        if (status == PushStatus::busy) return false;
        if (status == PushStatus::invalid) {
            invalid = why;
            return false;
        }
        return true;  // ok, refused (reported by the session) or closed
    }
    Session& session_;
};

// Takes nothing: the parser calls no sink before the header is accepted.
class NullSink final : public FrameSink {
public:
    bool samples_begin(std::uint64_t, std::uint64_t) noexcept override { return false; }
    std::size_t samples(const std::byte*, std::size_t) noexcept override { return 0; }
    bool stimulus(std::uint64_t, double) noexcept override { return false; }
    bool marker(std::uint64_t, std::string_view) noexcept override { return false; }
    bool end() noexcept override { return false; }
};

// Writes a queue's events, one per line, until the last one; once the last
// one is queued, a consumer that does not take them gets `linger` more, then
// the rest is abandoned (counted).
class EventWriter {
public:
    EventWriter(int fd, EventQueue& queue, std::chrono::milliseconds linger)
        : fd_(fd), queue_(queue), linger_(linger), thread_([this] { run(); }) {}
    ~EventWriter() { join(); }
    void join() {
        if (thread_.joinable()) thread_.join();
    }
    std::uint64_t written() const noexcept { return written_; }
    std::uint64_t abandoned() const noexcept { return abandoned_; }

private:
    void run() {
        std::string event;
        std::optional<Clock::time_point> deadline;
        bool broken = false;
        for (;;) {
            if (!queue_.wait_pop(event, std::chrono::milliseconds(50))) {
                if (queue_.finished()) return;
                continue;
            }
            if (!deadline && queue_.closed()) deadline = Clock::now() + linger_;
            if (broken) {
                ++abandoned_;
                continue;
            }
            event.push_back('\n');
            // Until the session is over, wait as long as it takes (the queue
            // drops what does not fit meanwhile); after, only until the linger.
            for (;;) {
                const auto wait = deadline ? std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now())
                                           : std::chrono::milliseconds(200);
                if (write_fully(fd_, event, std::max(wait, std::chrono::milliseconds(0)))) {
                    ++written_;
                    break;
                }
                if (errno != ETIMEDOUT) {
                    broken = true;  // the consumer went away
                    ++abandoned_;
                    break;
                }
                if (!deadline && queue_.closed()) deadline = Clock::now() + linger_;
                if (deadline && Clock::now() >= *deadline) {
                    broken = true;
                    ++abandoned_;
                    break;
                }
            }
        }
    }

    int fd_;
    EventQueue& queue_;
    std::chrono::milliseconds linger_;
    std::uint64_t written_ = 0, abandoned_ = 0;
    std::thread thread_;
};

}  // namespace

UniqueFd::~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.release();
    }
    return *this;
}

Endpoint parse_endpoint(std::string_view text, std::string_view default_host) {
    Endpoint e;
    std::string_view port = text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            throw std::invalid_argument("address '" + std::string(text) + "' must be [IPv6]:PORT");
        }
        e.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        e.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
    } else {
        e.host = std::string(default_host);
    }
    if (e.host.empty()) e.host = std::string(default_host);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) {
        throw std::invalid_argument("address '" + std::string(text) + "' needs a port number 0-65535");
    }
    const unsigned long p = std::stoul(std::string(port));
    if (p > 65535) throw std::invalid_argument("address '" + std::string(text) + "': port beyond 65535");
    e.port = static_cast<std::uint16_t>(p);
    return e;
}

UniqueFd listen_tcp(const Endpoint& endpoint, std::uint16_t* bound_port) {
    AddrInfo ai;
    resolve(endpoint, true, ai);
    int last_errno = EADDRNOTAVAIL;
    for (addrinfo* a = ai.list; a; a = a->ai_next) {
        UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
        if (!fd) {
            last_errno = errno;
            continue;
        }
        const int one = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd.get(), a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd.get(), 8) != 0) {
            last_errno = errno;
            continue;
        }
        if (bound_port) {
            sockaddr_storage ss{};
            socklen_t len = sizeof ss;
            ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len);
            *bound_port = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                                   : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
        }
        return fd;
    }
    throw std::system_error(last_errno, std::generic_category(), "cannot listen on " + endpoint_text(endpoint));
}

UniqueFd accept_connection(int listen_fd, std::chrono::milliseconds timeout) {
    pollfd p{listen_fd, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc <= 0) return UniqueFd();
    UniqueFd fd(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (fd) {
        const int one = 1;
        ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

UniqueFd connect_tcp(const Endpoint& endpoint, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    int last_errno = ECONNREFUSED;
    for (;;) {
        AddrInfo ai;
        resolve(endpoint, false, ai);
        for (addrinfo* a = ai.list; a; a = a->ai_next) {
            UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
            if (!fd) {
                last_errno = errno;
                continue;
            }
            if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) {
                const int one = 1;
                ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                return fd;
            }
            last_errno = errno;
        }
        if (Clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::system_error(last_errno, std::generic_category(), "cannot connect to " + endpoint_text(endpoint));
}

bool write_fully(int fd, std::string_view text, std::chrono::milliseconds timeout) {
    const bool socket = is_socket(fd);
    const auto deadline = Clock::now() + timeout;
    std::size_t done = 0;
    while (done < text.size()) {
        pollfd p{fd, POLLOUT, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        const int rc = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left)));
        if (rc < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        if (rc == 0) {
            errno = ETIMEDOUT;
            return false;
        }
        if (p.revents & (POLLERR | POLLNVAL)) {
            errno = EPIPE;
            return false;
        }
        ssize_t n;
        if (socket) {
            n = ::send(fd, text.data() + done, text.size() - done, MSG_DONTWAIT | MSG_NOSIGNAL);
        } else {
            // A pipe that polls writable takes PIPE_BUF bytes without blocking.
            n = ::write(fd, text.data() + done, std::min<std::size_t>(text.size() - done, PIPE_BUF));
        }
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

ServeOutcome serve_input(int in_fd, int out_fd, const SessionOptions& session_options, const ServeOptions& options) {
    ServeOutcome outcome;
    FrameParser parser;
    std::vector<std::byte> buffer(options.read_buffer);
    std::size_t have = 0, pos = 0;
    std::unique_ptr<Session> session;
    std::unique_ptr<SessionSink> sink;
    std::unique_ptr<EventWriter> writer;
    NullSink before_header;
    EventQueue early(4);  // the error answering a bad header, before any session exists

    auto answer_without_session = [&](const std::string& code, const std::string& message) {
        Json e;
        e["type"] = "error";
        e["t"] = 0.0;
        e["code"] = code;
        e["message"] = message;
        early.push_last(event_line(e));
        EventWriter w(out_fd, early, options.linger);
        w.join();
        outcome.events_written = w.written();
        outcome.events_abandoned = w.abandoned();
        outcome.ended = SessionEnd::protocol_error;
        outcome.message = message;
    };
    // Offers a terminal call to the session until it has room.
    auto until_taken = [&](auto&& call) {
        for (int i = 0; i < 100000; ++i) {
            if (call() != PushStatus::busy) return;
            session->wait_for_room(std::chrono::milliseconds(20));
            if (session->finished()) return;
        }
    };

    bool eof = false;
    bool ended = false;
    for (;;) {
        if (pos == have && !eof) {
            pos = have = 0;
            pollfd p{in_fd, POLLIN, 0};
            const int rc = ::poll(&p, 1, 100);
            if (options.stop && options.stop->load()) {
                eof = true;
            } else if (rc < 0 && errno != EINTR) {
                eof = true;
            } else if (rc > 0) {
                const ssize_t n = ::read(in_fd, buffer.data(), buffer.size());
                if (n > 0) {
                    have = static_cast<std::size_t>(n);
                    outcome.bytes_read += have;
                } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                    eof = true;
                }
            }
            if (!eof && have == 0) continue;
        }
        if (eof && pos == have) break;

        const ParseResult r = parser.feed(std::span<const std::byte>(buffer.data() + pos, have - pos), sink ? static_cast<FrameSink&>(*sink) : static_cast<FrameSink&>(before_header));
        pos += r.consumed;
        if (r.state == ParseState::need_more) continue;
        if (r.state == ParseState::header) {
            try {
                const SessionHeader header = parse_session_header(parser.header_line(), options.source);
                session = std::make_unique<Session>(header, session_options);
            } catch (const InputError& e) {
                answer_without_session("bad_header", e.what());
                return outcome;
            } catch (const std::invalid_argument& e) {
                answer_without_session("bad_header", options.source + ": header: " + e.what());
                return outcome;
            }
            outcome.started = true;
            sink = std::make_unique<SessionSink>(*session);
            writer = std::make_unique<EventWriter>(out_fd, session->events(), options.linger);
            parser.start_frames(session->header().frame_bytes());
            continue;
        }
        if (r.state == ParseState::blocked) {
            if (sink->invalid) {
                const char* why = sink->invalid;
                until_taken([&] { return session->protocol_error("invalid_index", why, parser.frames_read(), parser.bytes_read()); });
                ended = true;
                break;
            }
            if (session->finished()) break;
            session->wait_for_room(std::chrono::milliseconds(20));
            continue;
        }
        if (r.state == ParseState::ended) {
            ended = true;
            break;
        }
        // ParseState::error
        const ProtocolError& e = parser.error();
        if (!session) {
            answer_without_session(std::string(to_string(e.kind)), options.source + ": header: " + e.message);
            return outcome;
        }
        until_taken([&] {
            return session->protocol_error(to_string(e.kind), e.message, e.frame, e.byte_offset);
        });
        ended = true;
        break;
    }

    if (!session) {
        if (outcome.bytes_read == 0) {
            outcome.empty = true;
            outcome.message = "the input closed without sending anything";
            return outcome;
        }
        parser.finish();
        answer_without_session("truncated", options.source + ": header: the input ended inside the header line");
        return outcome;
    }
    if (!ended) {
        const bool mid = !parser.at_frame_boundary();
        until_taken([&] { return session->disconnected(mid); });
    }
    while (!session->wait_finished(std::chrono::milliseconds(200))) {
    }
    writer->join();
    const Json& summary = session->summary();
    outcome.summary = summary;
    const std::string ended_as = summary.value("ended", std::string("end"));
    outcome.ended = ended_as == "end"              ? SessionEnd::end
                    : ended_as == "protocol_error" ? SessionEnd::protocol_error
                    : ended_as == "aborted"        ? SessionEnd::aborted
                                                   : SessionEnd::disconnect;
    if (summary.contains("error")) {
        outcome.message = summary["error"].value("code", std::string()) + ": " +
                          summary["error"].value("message", std::string());
    } else {
        outcome.message = "session ended";
    }
    outcome.events_written = writer->written();
    outcome.events_abandoned = writer->abandoned();
    outcome.events_dropped = session->events().dropped();
    outcome.out_error = session->out_error();
    return outcome;
}

}  // namespace edx::stream
