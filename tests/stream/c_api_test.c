/* The C API from C: this program includes only edx/edx.h and links only
 * libedx.so. It opens a session from the protocol's JSON header, pushes
 * interleaved int16 samples with stimuli and markers as an acquisition
 * program would, polls the events, and checks every error code it can meet. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edx/edx.h"

static int failures = 0;

#define EXPECT(cond)                                                        \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "c_api_test.c:%d: FAILED: %s (last error: %s)\n", __LINE__, #cond, edx_last_error()); \
            ++failures;                                                     \
        }                                                                   \
    } while (0)

static const char* kHeader =
    "{\"edx_stream\": 1, \"sample_rate_hz\": 10000, \"sample_type\": \"int16\","
    " \"channels\": ["
    "  {\"name\": \"soleus_left\", \"kind\": \"h_reflex\", \"units\": \"uV\", \"scale\": 1.0, \"offset\": 0,"
    "   \"muscle\": \"soleus\", \"nerve\": \"tibial\", \"side\": \"left\"},"
    "  {\"name\": \"ta_left\", \"kind\": \"needle_emg\", \"units\": \"uV\", \"scale\": 0.5, \"muscle\": \"tibialis_anterior\"}],"
    " \"sweep\": {\"pre_trigger_s\": 0.01, \"post_trigger_s\": 0.06}}\n";

/* A small deterministic noise source. */
static uint32_t rng_state = 12345u;
static double uniform(void) {
    rng_state = rng_state * 1664525u + 1013904223u;
    return (double)(rng_state >> 8) / 16777216.0;
}

/* A biphasic response of amplitude a (uV) starting at t0 (s). */
static double wave(double t, double t0, double a, double width) {
    const double x = (t - t0) / width;
    if (x < 0.0 || x > 2.0) return 0.0;
    return -a * sin(3.14159265358979 * x);
}

static int count(const char* events, const char* needle) {
    int n = 0;
    for (const char* p = events; (p = strstr(p, needle)) != NULL; p += strlen(needle)) ++n;
    return n;
}

int main(void) {
    edx_session* s = NULL;
    char buffer[1 << 16];
    size_t length = 0;

    EXPECT(edx_version() != NULL && strlen(edx_version()) > 0);
    EXPECT(strcmp(edx_status_name(EDX_ERR_BAD_HEADER), "EDX_ERR_BAD_HEADER") == 0);

    /* Bad input at open. */
    EXPECT(edx_session_open(NULL, &s) == EDX_ERR_INVALID_ARGUMENT);
    EXPECT(edx_session_open(kHeader, NULL) == EDX_ERR_INVALID_ARGUMENT);
    EXPECT(edx_session_open("{\"edx_stream\": 2}", &s) == EDX_ERR_BAD_HEADER);
    EXPECT(strstr(edx_last_error(), "unknown protocol version") != NULL);
    EXPECT(s == NULL);
    EXPECT(edx_session_open("not json", &s) == EDX_ERR_BAD_HEADER);

    EXPECT(edx_session_open(kHeader, &s) == EDX_OK);
    if (!s) return 1;

    /* Arguments the session refuses. */
    {
        float f[2] = {0.0f, 0.0f};
        EXPECT(edx_push_samples(s, f, 1, EDX_FLOAT32, 0) == EDX_ERR_INVALID_ARGUMENT);
        EXPECT(strstr(edx_last_error(), "int16") != NULL);
        EXPECT(edx_push_samples(NULL, f, 1, EDX_INT16, 0) == EDX_ERR_INVALID_ARGUMENT);
        EXPECT(edx_push_marker(s, 0, NULL) == EDX_ERR_INVALID_ARGUMENT);
        EXPECT(edx_poll_event(s, buffer, sizeof buffer, NULL) == EDX_ERR_INVALID_ARGUMENT);
    }

    /* 8 s of acquisition: a stimulus every 0.5 s, M at 6 ms and H at 31 ms. */
    {
        const int rate = 10000, block = 100, seconds = 8;
        int16_t frames[100 * 2];
        uint64_t index = 0;
        EXPECT(edx_push_marker(s, 0, "position=anatomic") == EDX_OK);
        for (int b = 0; b < seconds * rate / block; ++b) {
            for (int f = 0; f < block; ++f) {
                const uint64_t i = index + (uint64_t)f;
                const uint64_t since = i % 5000u;  /* stimulus at 1000 + k * 5000 */
                const double t = ((double)since - 1000.0) / rate;
                double h = 20.0 * (uniform() - 0.5);
                h += wave(t, 0.006, 2000.0, 0.004) + wave(t, 0.031 + 0.0002 * uniform(), 800.0, 0.006);
                frames[2 * f] = (int16_t)lrint(h);
                frames[2 * f + 1] = (int16_t)lrint(40.0 * (uniform() - 0.5));
            }
            if (index % 5000u == 0) EXPECT(edx_push_stimulus(s, index + 1000, 15.0) == EDX_OK);
            if (index == 4u * 10000u) EXPECT(edx_push_marker(s, index, "position=fair") == EDX_OK);
            EXPECT(edx_push_samples(s, frames, (size_t)block, EDX_INT16, index) == EDX_OK);
            index += (uint64_t)block;
        }
        /* A repeated block: refused, reported as a gap of negative size. */
        EXPECT(edx_push_samples(s, frames, (size_t)block, EDX_INT16, index - 50) == EDX_REFUSED);
        /* A stimulus before the last one: refused. */
        EXPECT(edx_push_stimulus(s, 10, 15.0) == EDX_REFUSED);
    }
    EXPECT(edx_end(s) == EDX_OK);
    EXPECT(edx_end(s) == EDX_ERR_CLOSED);
    EXPECT(edx_push_stimulus(s, 1u << 30, 1.0) == EDX_ERR_CLOSED);

    /* Poll every event; the first one through a buffer too small. */
    {
        static char all[1 << 22];
        size_t used = 0;
        int events = 0, small_checked = 0;
        const time_t start = time(NULL);
        for (;;) {
            edx_status st;
            if (!small_checked) {
                char tiny[8];
                st = edx_wait_event(s, tiny, sizeof tiny, &length, 1000);
                if (st == EDX_NO_EVENT) continue;
                EXPECT(st == EDX_ERR_BUFFER_TOO_SMALL);
                EXPECT(length >= sizeof tiny);
                small_checked = 1;
                continue; /* the event stays queued for the next call */
            }
            st = edx_wait_event(s, buffer, sizeof buffer, &length, 100);
            if (st == EDX_END_OF_EVENTS) break;
            if (st == EDX_NO_EVENT) {
                if (time(NULL) - start > 120) {
                    fprintf(stderr, "timed out waiting for events\n");
                    ++failures;
                    break;
                }
                continue;
            }
            EXPECT(st == EDX_OK);
            if (st != EDX_OK) break;
            EXPECT(strlen(buffer) == length);
            EXPECT(buffer[0] == '{' && buffer[length - 1] == '}');
            EXPECT(strstr(buffer, "nan") == NULL && strstr(buffer, "NaN") == NULL);
            if (used + length + 2 < sizeof all) {
                memcpy(all + used, buffer, length);
                used += length;
                all[used++] = '\n';
                all[used] = '\0';
            }
            ++events;
        }
        EXPECT(events > 0);
        EXPECT(count(all, "\"type\":\"sweep\"") == 16);
        EXPECT(count(all, "\"type\":\"position\"") == 2);
        EXPECT(count(all, "\"type\":\"gap\"") == 1);
        EXPECT(count(all, "\"type\":\"summary\"") == 1);
        EXPECT(strstr(all, "\"stimuli_refused\":1") != NULL);
        EXPECT(strstr(all, "\"overlap_samples_ignored\":100") != NULL);
        EXPECT(strstr(all, "\"samples\":80000") != NULL);
        EXPECT(edx_poll_event(s, buffer, sizeof buffer, &length) == EDX_END_OF_EVENTS);
    }
    edx_session_close(s);

    /* A session closed without edx_end ends cleanly. */
    s = NULL;
    EXPECT(edx_session_open(kHeader, &s) == EDX_OK);
    {
        int16_t zeros[2 * 10] = {0};
        EXPECT(edx_push_samples(s, zeros, 10, EDX_INT16, 0) == EDX_OK);
    }
    edx_session_close(s);
    edx_session_close(NULL);

    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("C API: all checks passed\n");
    return 0;
}
