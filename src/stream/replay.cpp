#include "edx/stream/replay.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "edx/evoked/evoked_pipeline.hpp"
#include "edx/io/layout_reader.hpp"
#include "edx/stream/frame_encoder.hpp"

namespace edx::stream {

namespace {

struct Event {
    std::uint64_t index = 0;
    int order = 0;  // markers before stimuli at one index (a position applies at or before)
    bool stimulus = false;
    double intensity = 0.0;
    std::string label;
};

// How one channel's canonical floats go on the wire.
struct Encoding {
    double gain = 1.0, bias = 0.0;  // canonical = raw * gain + bias
};

// A whole stream held in memory: the channels' samples by stream index
// (runs of sent samples; what lies between runs is not sent), events sorted.
class MemorySource final : public ReplaySource {
public:
    MemorySource(SessionHeader header, std::size_t block_frames) : header_(std::move(header)), block_(block_frames) {}

    const SessionHeader& header() const override { return header_; }

    struct Run {
        std::uint64_t first = 0;
        std::size_t frames = 0;
        std::vector<float> samples;  // [frames][channels], canonical units
    };

    std::vector<Run> runs;
    std::vector<Event> events;
    std::vector<Encoding> encoding;

    bool next(std::vector<std::byte>& out, std::uint64_t& due) override {
        if (done_) return false;
        if (run_ >= runs.size()) {
            // Events after the last sample, then END.
            while (event_ < events.size()) append_event(out, events[event_++]);
            append_end(out);
            due = last_;
            done_ = true;
            return true;
        }
        const Run& r = runs[run_];
        const std::uint64_t a = r.first + offset_;
        const std::size_t n = std::min(block_, r.frames - offset_);
        const std::uint64_t b = a + n;
        while (event_ < events.size() && events[event_].index < b) append_event(out, events[event_++]);
        raw_.clear();
        encode(r.samples.data() + offset_ * header_.channels.size(), n);
        append_samples(out, a, raw_);
        offset_ += n;
        if (offset_ == r.frames) {
            ++run_;
            offset_ = 0;
        }
        last_ = b;
        due = b;
        return true;
    }

private:
    void append_event(std::vector<std::byte>& out, const Event& e) {
        if (e.stimulus) {
            append_stimulus(out, e.index, e.intensity);
        } else {
            append_marker(out, e.index, e.label);
        }
    }
    void encode(const float* x, std::size_t frames) {
        const std::size_t c = header_.channels.size();
        switch (header_.sample_type) {
            case SampleType::float32: {
                append_le(raw_, std::span<const float>(x, frames * c));
                break;
            }
            case SampleType::int16: {
                ints16_.resize(frames * c);
                for (std::size_t i = 0; i < frames * c; ++i) {
                    const Encoding& e = encoding[i % c];
                    ints16_[i] = static_cast<std::int16_t>(std::lround((static_cast<double>(x[i]) - e.bias) / e.gain));
                }
                append_le(raw_, std::span<const std::int16_t>(ints16_));
                break;
            }
            case SampleType::int32: {
                ints32_.resize(frames * c);
                for (std::size_t i = 0; i < frames * c; ++i) {
                    const Encoding& e = encoding[i % c];
                    ints32_[i] = static_cast<std::int32_t>(std::lround((static_cast<double>(x[i]) - e.bias) / e.gain));
                }
                append_le(raw_, std::span<const std::int32_t>(ints32_));
                break;
            }
        }
    }

    SessionHeader header_;
    std::size_t block_;
    std::size_t run_ = 0, offset_ = 0, event_ = 0;
    std::uint64_t last_ = 0;
    bool done_ = false;
    std::vector<std::byte> raw_;
    std::vector<std::int16_t> ints16_;
    std::vector<std::int32_t> ints32_;
};

ChannelSpec channel_of(const RecordingInfo& info, const std::string& name) {
    ChannelSpec c;
    c.name = name;
    c.kind = info.kind;
    c.units = info.units;
    c.muscle = info.muscle;
    c.nerve = info.nerve;
    c.side = info.side;
    c.stim_site = info.stim_site;
    c.distance_mm = info.distance_mm;
    c.subject = info.subject;
    return c;
}

// Whether every sample of `values` is exactly raw * gain + bias (as float) for an integer raw in range.
template <class Int>
bool representable(const std::vector<const float*>& columns, std::size_t stride, std::size_t count, double gain,
                   double bias) {
    for (const float* col : columns) {
        for (std::size_t i = 0; i < count; ++i) {
            const float x = col[i * stride];
            if (!std::isfinite(x)) return false;
            const double raw = std::round((static_cast<double>(x) - bias) / gain);
            if (raw < std::numeric_limits<Int>::min() || raw > std::numeric_limits<Int>::max()) return false;
            const float back = gain == 1.0 && bias == 0.0 ? static_cast<float>(raw)
                                                          : static_cast<float>(raw * gain + bias);
            if (back != x) return false;
        }
    }
    return true;
}

}  // namespace

std::unique_ptr<ReplaySource> replay_recordings(const Study& study, const ReplayOptions& options) {
    std::vector<const Recording*> recs;
    if (options.recordings.empty()) {
        if (study.recordings.size() != 1) {
            throw std::invalid_argument("the file holds " + std::to_string(study.recordings.size()) +
                                        " recordings: name the ones to replay (--recording)");
        }
        recs.push_back(&study.recordings.front());
    } else {
        for (const auto& name : options.recordings) {
            const Recording* r = study.find(name);
            if (!r) throw std::invalid_argument("no recording named '" + name + "' in the file");
            recs.push_back(r);
        }
    }
    if (options.block_frames == 0) throw std::invalid_argument("ReplayOptions.block_frames must be at least 1");
    const Recording& first = *recs.front();
    const double rate = first.info.sample_rate_hz;
    for (const Recording* r : recs) {
        if (r->info.sample_rate_hz != rate) {
            throw std::invalid_argument("recordings '" + first.info.name + "' and '" + r->info.name +
                                        "' have different sample rates: one stream has one rate");
        }
        if (r->form != first.form) {
            throw std::invalid_argument("recordings '" + first.info.name + "' and '" + r->info.name +
                                        "' are not both continuous or both in sweep form");
        }
        if (r->frames != first.frames || r->sweep_count != first.sweep_count) {
            throw std::invalid_argument("recordings '" + first.info.name + "' and '" + r->info.name +
                                        "' differ in length: their channels cannot share one stream");
        }
    }

    SessionHeader h;
    h.sample_rate_hz = rate;
    h.subject_id = study.subject_id;
    h.subject = study.subject;
    std::vector<std::pair<const Recording*, std::size_t>> columns;  // recording, channel in it
    for (const Recording* r : recs) {
        for (std::size_t c = 0; c < r->channels; ++c) {
            const std::string name = r->channels == 1 ? r->info.name : r->info.name + "." + std::to_string(c);
            h.channels.push_back(channel_of(r->info, name));
            columns.emplace_back(r, c);
        }
    }
    const std::size_t channels = h.channels.size();
    if (channels > StreamLimits::max_channels) throw std::invalid_argument("more channels than a stream carries");

    std::vector<Event> events;
    std::vector<MemorySource::Run> runs;
    if (first.form == SampleForm::continuous) {
        const Recording* evoked = nullptr;
        for (const Recording* r : recs) {
            if (!evoked && is_evoked(r->info.kind)) evoked = r;
        }
        if (evoked) {
            // The cut the offline pipeline makes of a continuous recording.
            const auto pc = evoked::PipelineConfig::defaults_for(evoked->info.kind, rate);
            h.pre_trigger_s = options.pre_trigger_s.value_or(pc.pre_trigger_ms / 1000.0);
            h.post_trigger_s = options.post_trigger_s.value_or(pc.post_trigger_ms / 1000.0);
        }
        MemorySource::Run run;
        run.frames = first.frames;
        run.samples.resize(first.frames * channels);
        for (std::size_t f = 0; f < first.frames; ++f) {
            for (std::size_t c = 0; c < channels; ++c) {
                const auto& [r, k] = columns[c];
                run.samples[f * channels + c] = r->samples[f * r->channels + k];
            }
        }
        runs.push_back(std::move(run));
        std::vector<std::pair<double, double>> stimuli;
        for (const Recording* r : recs) {
            for (const auto& s : r->stimuli) stimuli.emplace_back(s.time_s, s.intensity_ma);
        }
        std::sort(stimuli.begin(), stimuli.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (std::size_t i = 0; i < stimuli.size(); ++i) {
            if (i > 0 && stimuli[i].first == stimuli[i - 1].first) continue;  // one stimulus seen by two recordings
            events.push_back({static_cast<std::uint64_t>(std::llround(stimuli[i].first * rate)), 1, true,
                              stimuli[i].second, {}});
        }
        for (const Recording* r : recs) {
            for (const auto& m : r->markers) {
                events.push_back({static_cast<std::uint64_t>(std::llround(std::max(0.0, m.time_s) * rate)), 0, false,
                                  0.0, m.label});
            }
        }
    } else {
        for (const Recording* r : recs) {
            if (r->pre_trigger_s != first.pre_trigger_s) {
                throw std::invalid_argument("recordings '" + first.info.name + "' and '" + r->info.name +
                                            "' have different pre-trigger times");
            }
            for (std::size_t k = 0; k < r->sweep_count; ++k) {
                if (std::abs(r->stimuli[k].time_s - first.stimuli[k].time_s) > 1e-9) {
                    throw std::invalid_argument("recordings '" + first.info.name + "' and '" + r->info.name +
                                                "' were not swept together (sweep " + std::to_string(k) +
                                                " at different times): replay them one at a time");
                }
            }
        }
        const std::size_t n = first.frames;
        const auto pre = static_cast<std::uint64_t>(std::lround(first.pre_trigger_s * rate));
        h.pre_trigger_s = first.pre_trigger_s;
        h.post_trigger_s = static_cast<double>(n) / rate - first.pre_trigger_s;
        std::vector<std::uint64_t> start(first.sweep_count);
        std::int64_t shift = 0;
        if (options.layout == SweepLayout::timed) {
            for (std::size_t k = 0; k < first.sweep_count; ++k) {
                const std::int64_t s = std::llround(first.stimuli[k].time_s * rate) - static_cast<std::int64_t>(pre);
                shift = std::max(shift, -s);
            }
            for (std::size_t k = 0; k < first.sweep_count; ++k) {
                start[k] = static_cast<std::uint64_t>(std::llround(first.stimuli[k].time_s * rate) -
                                                      static_cast<std::int64_t>(pre) + shift);
                if (k > 0 && start[k] < start[k - 1] + n) {
                    throw std::invalid_argument("recording '" + first.info.name + "': sweeps " + std::to_string(k - 1) +
                                                " and " + std::to_string(k) +
                                                " overlap in time; replay it end to end");
                }
            }
        } else {
            for (std::size_t k = 0; k < first.sweep_count; ++k) start[k] = k * n;
        }
        for (std::size_t k = 0; k < first.sweep_count; ++k) {
            MemorySource::Run run;
            run.first = start[k];
            run.frames = n;
            run.samples.resize(n * channels);
            for (std::size_t f = 0; f < n; ++f) {
                for (std::size_t c = 0; c < channels; ++c) {
                    run.samples[f * channels + c] = columns[c].first->samples[k * n + f];
                }
            }
            runs.push_back(std::move(run));
            events.push_back({start[k] + pre, 1, true, first.stimuli[k].intensity_ma, {}});
        }
        // Markers: to the sweep they fall in (at their offset), else to the next sweep's first sample.
        std::vector<Marker> markers;
        for (const Recording* r : recs) markers.insert(markers.end(), r->markers.begin(), r->markers.end());
        std::stable_sort(markers.begin(), markers.end(), [](const Marker& a, const Marker& b) { return a.time_s < b.time_s; });
        markers.erase(std::unique(markers.begin(), markers.end(),
                                  [](const Marker& a, const Marker& b) { return a.time_s == b.time_s && a.label == b.label; }),
                      markers.end());
        for (const auto& m : markers) {
            std::uint64_t index = 0;
            if (options.layout == SweepLayout::timed) {
                index = static_cast<std::uint64_t>(std::max<std::int64_t>(0, std::llround(m.time_s * rate) + shift));
            } else {
                index = first.sweep_count * n;  // after the last sweep
                for (std::size_t k = 0; k < first.sweep_count; ++k) {
                    const double sweep_start = first.stimuli[k].time_s - first.pre_trigger_s;
                    const double sweep_end = sweep_start + static_cast<double>(n) / rate;
                    if (m.time_s < sweep_start) {
                        index = start[k];
                        break;
                    }
                    if (m.time_s < sweep_end) {
                        const auto offset = std::min<std::uint64_t>(
                            n - 1, static_cast<std::uint64_t>(std::max<long long>(0, std::llround((m.time_s - sweep_start) * rate))));
                        index = start[k] + offset;
                        break;
                    }
                }
            }
            events.push_back({index, 0, false, 0.0, m.label});
        }
    }
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return a.index != b.index ? a.index < b.index : a.order < b.order;
    });

    // The wire type: the file's integers when every channel's values are its
    // integer codes exactly, else float32 in canonical units.
    h.sample_type = SampleType::float32;
    std::vector<Encoding> encoding(channels);
    for (std::size_t c = 0; c < channels; ++c) {
        h.channels[c].units = canonical_units(h.channels[c].kind);
        h.channels[c].scale = 1.0;
        h.channels[c].offset = 0.0;
    }
    auto source = std::make_unique<MemorySource>(h, options.block_frames);
    source->runs = std::move(runs);
    source->events = std::move(events);
    source->encoding = std::move(encoding);
    return source;
}

std::unique_ptr<ReplaySource> open_replay(const std::filesystem::path& file, const ReplayOptions& options) {
    LayoutReader reader(file);
    Study study = reader.study_info();
    std::vector<std::string> names = options.recordings;
    if (names.empty()) names = reader.recording_names();
    if (names.size() != 1 && options.recordings.empty()) {
        throw std::invalid_argument("the file holds " + std::to_string(names.size()) +
                                    " recordings: name the ones to replay (--recording)");
    }
    std::vector<SampleStorageInfo> storage;
    for (const auto& name : names) {
        const RecordingHeader hdr = reader.header(name);  // InputError for a name not in the file
        storage.push_back(hdr.storage);
        study.recordings.push_back(reader.read(name));
    }
    ReplayOptions o = options;
    o.recordings = names;
    auto source = replay_recordings(study, o);
    auto* mem = dynamic_cast<MemorySource*>(source.get());
    // Integer storage goes on the wire as the stored integers, when they come back exactly.
    bool all_int = true;
    bool any_int32 = false;
    for (const auto& s : storage) {
        all_int = all_int && (s.type == "int16" || s.type == "int32");
        any_int32 = any_int32 || s.type == "int32";
    }
    if (!all_int || !mem) return source;
    SessionHeader h = mem->header();
    std::vector<Encoding> encoding(h.channels.size());
    std::size_t c = 0;
    bool exact = true;
    for (std::size_t r = 0; r < study.recordings.size() && exact; ++r) {
        const Recording& rec = study.recordings[r];
        const double to_canonical = conversion_factor(storage[r].stored_units, rec.info.units);
        const double gain = storage[r].scale * to_canonical;
        const double bias = storage[r].offset * to_canonical;
        for (std::size_t k = 0; k < rec.channels; ++k, ++c) {
            h.channels[c].units = storage[r].stored_units;
            h.channels[c].scale = storage[r].scale;
            h.channels[c].offset = storage[r].offset;
            encoding[c] = {gain, bias};
            std::vector<const float*> col{rec.samples.data() + k};
            const std::size_t count = rec.form == SampleForm::continuous ? rec.frames : rec.frames * rec.sweep_count;
            exact = any_int32 ? representable<std::int32_t>(col, rec.channels, count, gain, bias)
                              : representable<std::int16_t>(col, rec.channels, count, gain, bias);
        }
    }
    if (!exact) return source;
    h.sample_type = any_int32 ? SampleType::int32 : SampleType::int16;
    auto integer = std::make_unique<MemorySource>(h, o.block_frames);
    integer->runs = std::move(mem->runs);
    integer->events = std::move(mem->events);
    integer->encoding = std::move(encoding);
    return integer;
}

ReplayStats replay(ReplaySource& source, int fd, double speed, const std::atomic<bool>* stop) {
    using Clock = std::chrono::steady_clock;
    struct stat st {};
    const bool socket = ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
    ReplayStats stats;
    std::vector<std::byte> out;
    auto flush = [&] {
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = socket ? ::send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL)
                                     : ::write(fd, out.data() + done, out.size() - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw std::system_error(errno, std::generic_category(), "replay: cannot write the stream");
            }
            done += static_cast<std::size_t>(n);
        }
        stats.bytes += out.size();
        out.clear();
    };
    const auto start = Clock::now();
    append_header(out, to_json(source.header()).dump());
    flush();
    const double rate = source.header().sample_rate_hz;
    std::uint64_t due = 0;
    // At full speed, frames are batched into writes of about 256 KiB.
    const std::size_t batch = speed > 0 ? 1 : std::size_t{256} << 10;
    bool more = true;
    while (more) {
        if (stop && stop->load()) break;
        more = source.next(out, due);
        ++stats.frames;
        stats.last_index = due;
        if (speed > 0) {
            const auto when = start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(static_cast<double>(due) / rate / speed));
            std::this_thread::sleep_until(when);
        }
        if (!more || out.size() >= batch) flush();
    }
    flush();
    stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return stats;
}

}  // namespace edx::stream
