// The C API (include/edx/edx.h): every entry point catches everything and turns
// it into a status and a per-thread message, once, here.
#include "edx/edx.h"

#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include "edx/io/input_error.hpp"
#include "edx/stream/session.hpp"

struct edx_session {
    std::unique_ptr<edx::stream::Session> session;
    std::string pending;  // an event taken from the queue that did not fit the caller's buffer
    bool has_pending = false;
};

namespace {

thread_local std::string t_last_error;

edx_status fail(edx_status status, std::string message) {
    t_last_error = std::move(message);
    return status;
}

template <class F>
edx_status guarded(F&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return fail(EDX_ERR_INTERNAL, "out of memory");
    } catch (const std::exception& e) {
        return fail(EDX_ERR_INTERNAL, e.what());
    } catch (...) {
        return fail(EDX_ERR_INTERNAL, "unknown internal error");
    }
}

edx_status from_push(edx::stream::PushStatus status, const char* what) {
    using edx::stream::PushStatus;
    switch (status) {
        case PushStatus::ok: return EDX_OK;
        case PushStatus::refused:
            return fail(EDX_REFUSED, std::string(what) + " refused (reported as an event; the session goes on)");
        case PushStatus::invalid: return fail(EDX_ERR_INVALID_ARGUMENT, std::string(what) + ": invalid argument");
        case PushStatus::closed: return fail(EDX_ERR_CLOSED, std::string(what) + ": the session has ended");
        case PushStatus::busy: break;
    }
    return fail(EDX_ERR_INTERNAL, std::string(what) + ": engine busy");
}

// Offers `call` until the session has room (backpressure) or ends.
template <class F>
edx::stream::PushStatus until_taken(edx::stream::Session& s, F&& call) {
    for (;;) {
        const auto status = call();
        if (status != edx::stream::PushStatus::busy) return status;
        s.wait_for_room(std::chrono::milliseconds(50));
    }
}

edx_status deliver(edx_session* s, char* buffer, size_t capacity, size_t* length) {
    const std::size_t n = s->pending.size();
    *length = n;
    if (capacity < n + 1) {
        return fail(EDX_ERR_BUFFER_TOO_SMALL, "event of " + std::to_string(n) + " bytes (+1 for the NUL) does not fit " +
                                                  std::to_string(capacity) + " bytes");
    }
    std::memcpy(buffer, s->pending.data(), n);
    buffer[n] = '\0';
    s->has_pending = false;
    s->pending.clear();
    return EDX_OK;
}

}  // namespace

extern "C" {

const char* edx_version(void) { return "0.1.0"; }

const char* edx_status_name(edx_status status) {
    switch (status) {
        case EDX_OK: return "EDX_OK";
        case EDX_NO_EVENT: return "EDX_NO_EVENT";
        case EDX_END_OF_EVENTS: return "EDX_END_OF_EVENTS";
        case EDX_REFUSED: return "EDX_REFUSED";
        case EDX_ERR_INVALID_ARGUMENT: return "EDX_ERR_INVALID_ARGUMENT";
        case EDX_ERR_BAD_HEADER: return "EDX_ERR_BAD_HEADER";
        case EDX_ERR_BUFFER_TOO_SMALL: return "EDX_ERR_BUFFER_TOO_SMALL";
        case EDX_ERR_CLOSED: return "EDX_ERR_CLOSED";
        case EDX_ERR_INTERNAL: return "EDX_ERR_INTERNAL";
    }
    return "EDX_UNKNOWN_STATUS";
}

const char* edx_last_error(void) { return t_last_error.c_str(); }

edx_status edx_session_open(const char* header_json, edx_session** session) {
    return guarded([&]() -> edx_status {
        if (!session) return fail(EDX_ERR_INVALID_ARGUMENT, "edx_session_open: session is NULL");
        *session = nullptr;
        if (!header_json) return fail(EDX_ERR_INVALID_ARGUMENT, "edx_session_open: header_json is NULL");
        std::string_view text(header_json);
        if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
        edx::stream::SessionHeader header;
        try {
            header = edx::stream::parse_session_header(text, "edx_session_open");
        } catch (const edx::InputError& e) {
            return fail(EDX_ERR_BAD_HEADER, e.what());
        }
        auto s = std::make_unique<edx_session>();
        edx::stream::SessionOptions options;
        options.source = "edx_session_open";
        options.event_capacity = EDX_EVENT_QUEUE;
        try {
            s->session = std::make_unique<edx::stream::Session>(std::move(header), options);
        } catch (const std::invalid_argument& e) {
            return fail(EDX_ERR_BAD_HEADER, e.what());
        }
        *session = s.release();
        return EDX_OK;
    });
}

edx_status edx_push_samples(edx_session* session, const void* interleaved, size_t frames, edx_sample_type type,
                            uint64_t first_sample_index) {
    return guarded([&]() -> edx_status {
        if (!session) return fail(EDX_ERR_INVALID_ARGUMENT, "edx_push_samples: session is NULL");
        if (!interleaved && frames > 0) return fail(EDX_ERR_INVALID_ARGUMENT, "edx_push_samples: samples are NULL");
        edx::stream::SampleType t;
        switch (type) {
            case EDX_INT16: t = edx::stream::SampleType::int16; break;
            case EDX_INT32: t = edx::stream::SampleType::int32; break;
            case EDX_FLOAT32: t = edx::stream::SampleType::float32; break;
            default: return fail(EDX_ERR_INVALID_ARGUMENT, "edx_push_samples: unknown sample type");
        }
        auto& s = *session->session;
        if (t != s.header().sample_type) {
            return fail(EDX_ERR_INVALID_ARGUMENT, std::string("edx_push_samples: the header declared sample_type ") +
                                                      std::string(edx::stream::to_string(s.header().sample_type)) +
                                                      ", not " + std::string(edx::stream::to_string(t)));
        }
        return from_push(s.push_samples(static_cast<const std::byte*>(interleaved), frames, t, first_sample_index),
                         "edx_push_samples");
    });
}

edx_status edx_push_stimulus(edx_session* session, uint64_t sample_index, double intensity_ma) {
    return guarded([&]() -> edx_status {
        if (!session) return fail(EDX_ERR_INVALID_ARGUMENT, "edx_push_stimulus: session is NULL");
        auto& s = *session->session;
        return from_push(until_taken(s, [&] { return s.stimulus(sample_index, intensity_ma); }), "edx_push_stimulus");
    });
}

edx_status edx_push_marker(edx_session* session, uint64_t sample_index, const char* label) {
    return guarded([&]() -> edx_status {
        if (!session) return fail(EDX_ERR_INVALID_ARGUMENT, "edx_push_marker: session is NULL");
        if (!label) return fail(EDX_ERR_INVALID_ARGUMENT, "edx_push_marker: label is NULL");
        const std::string_view text(label);
        if (text.size() > edx::stream::StreamLimits::max_marker_label_bytes) {
            return fail(EDX_ERR_INVALID_ARGUMENT, "edx_push_marker: label over 1024 bytes");
        }
        auto& s = *session->session;
        return from_push(until_taken(s, [&] { return s.marker(sample_index, text); }), "edx_push_marker");
    });
}

edx_status edx_end(edx_session* session) {
    return guarded([&]() -> edx_status {
        if (!session) return fail(EDX_ERR_INVALID_ARGUMENT, "edx_end: session is NULL");
        auto& s = *session->session;
        return from_push(until_taken(s, [&] { return s.end(); }), "edx_end");
    });
}

edx_status edx_poll_event(edx_session* session, char* buffer, size_t capacity, size_t* length) {
    return edx_wait_event(session, buffer, capacity, length, 0);
}

edx_status edx_wait_event(edx_session* session, char* buffer, size_t capacity, size_t* length, int timeout_ms) {
    return guarded([&]() -> edx_status {
        if (!session || !length || (!buffer && capacity > 0)) {
            return fail(EDX_ERR_INVALID_ARGUMENT, "edx_poll_event: session, buffer or length is NULL");
        }
        *length = 0;
        if (session->has_pending) return deliver(session, buffer, capacity, length);
        auto& events = session->session->events();
        if (events.finished()) return EDX_END_OF_EVENTS;
        const bool got = timeout_ms > 0 ? events.wait_pop(session->pending, std::chrono::milliseconds(timeout_ms))
                                        : events.try_pop(session->pending);
        if (!got) return events.finished() ? EDX_END_OF_EVENTS : EDX_NO_EVENT;
        session->has_pending = true;
        return deliver(session, buffer, capacity, length);
    });
}

void edx_session_close(edx_session* session) {
    try {
        delete session;
    } catch (...) {
        // A destructor that throws has nowhere to report to; the memory is gone either way.
    }
}

}  // extern "C"
