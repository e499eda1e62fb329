/* The edx engine in-process, for acquisition software: a C API over the live
 * session of protocol v1 (spec/stream-protocol-v1.md), in the shared library
 * libedx.so. Open a session from the protocol's JSON header, push interleaved
 * samples, stimuli and markers as they are acquired, poll the JSON-line events.
 *
 * Conventions: every function returns an edx_status; on anything but EDX_OK
 * (and EDX_NO_EVENT / EDX_END_OF_EVENTS), edx_last_error() gives a message for
 * the calling thread. Handles are opaque. A session may be fed from one thread
 * and polled from another; each of those sides is single-threaded. No C++
 * exception crosses this boundary.
 *
 * Backpressure: edx_push_samples, edx_push_stimulus, edx_push_marker and
 * edx_end block while the engine's bounded queues are full (the measurement
 * is behind), so memory stays bounded; at real-time rates they return at once.
 * Events do not hold the input back: if they are not polled, new events are
 * dropped once EDX_EVENT_QUEUE events wait, and the summary counts them
 * (events_dropped). */
#ifndef EDX_EDX_H
#define EDX_EDX_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define EDX_API __declspec(dllexport)
#else
#define EDX_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum edx_status {
    EDX_OK = 0,
    EDX_NO_EVENT = 1,            /* edx_poll_event: nothing to read now */
    EDX_END_OF_EVENTS = 2,       /* edx_poll_event: the session is over and every event was read */
    EDX_REFUSED = 3,             /* input refused and reported as an event (overlap, out-of-order stimulus); the session goes on */
    EDX_ERR_INVALID_ARGUMENT = 10, /* a NULL pointer, a sample type not the header's, a label too long */
    EDX_ERR_BAD_HEADER = 11,     /* edx_session_open: the header is not valid protocol v1 */
    EDX_ERR_BUFFER_TOO_SMALL = 12, /* edx_poll_event: *length is the size needed; the event stays queued */
    EDX_ERR_CLOSED = 13,         /* the session has ended (edx_end, or an earlier error) */
    EDX_ERR_INTERNAL = 19
} edx_status;

typedef enum edx_sample_type { EDX_INT16 = 1, EDX_INT32 = 2, EDX_FLOAT32 = 3 } edx_sample_type;

#define EDX_EVENT_QUEUE 4096

typedef struct edx_session edx_session;

/* The library's version, e.g. "0.1.0". */
EDX_API const char* edx_version(void);
/* A constant name for a status, e.g. "EDX_ERR_BAD_HEADER". */
EDX_API const char* edx_status_name(edx_status status);
/* The message of the last failed call on this thread ("" if none); valid until the next call on this thread. */
EDX_API const char* edx_last_error(void);

/* Opens a session from the protocol v1 header (JSON text, with or without
 * its newline). Sample indices start at 0. */
EDX_API edx_status edx_session_open(const char* header_json, edx_session** session);

/* `frames` frames of interleaved samples (frame-major, one value per channel
 * in header order) of `type`, which must be the header's sample_type, the
 * first at first_sample_index. A later index than expected is a gap, an
 * earlier one an overlap (EDX_REFUSED: the samples are ignored). */
EDX_API edx_status edx_push_samples(edx_session* session, const void* interleaved, size_t frames, edx_sample_type type,
                                    uint64_t first_sample_index);
/* A stimulus at sample_index; intensity_ma may be NaN when unknown. */
EDX_API edx_status edx_push_stimulus(edx_session* session, uint64_t sample_index, double intensity_ma);
/* A marker (UTF-8, e.g. "position=fair") at sample_index; at most 1024 bytes. */
EDX_API edx_status edx_push_marker(edx_session* session, uint64_t sample_index, const char* label);
/* The acquisition is done: the engine measures everything and answers with the summary event. */
EDX_API edx_status edx_end(edx_session* session);

/* The next event, a JSON object without newline, copied NUL-terminated into
 * buffer. *length receives its length (without the NUL). EDX_NO_EVENT when
 * none is ready, EDX_END_OF_EVENTS when the session is over and all were read. */
EDX_API edx_status edx_poll_event(edx_session* session, char* buffer, size_t capacity, size_t* length);
/* As edx_poll_event, waiting up to timeout_ms for an event. */
EDX_API edx_status edx_wait_event(edx_session* session, char* buffer, size_t capacity, size_t* length, int timeout_ms);

/* Ends the session (as aborted if edx_end was not called) and frees it. NULL is allowed. */
EDX_API void edx_session_close(edx_session* session);

#ifdef __cplusplus
}
#endif

#endif /* EDX_EDX_H */
