"""Reads a Dailies export with independent consumers and prints what they find as JSON:
OpenTimelineIO for the EDL, FCPXML and FCP 7 XML (each marker's name, its frame from the
clip's first frame and its source timecode, plus the timecode OpenTimelineIO itself counts
from `start` for that frame), the csv module for the CSV (its rows).

usage: otio_markers.py <cmx_3600|fcpx_xml|fcp_xml|csv> <file> <rate_num> <rate_den> <start>
"""
import csv
import json
import sys

adapter, path = sys.argv[1], sys.argv[2]
num, den, start_tc = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]

if adapter == "csv":
    with open(path, newline="", encoding="utf-8") as f:
        print(json.dumps({"rows": list(csv.DictReader(f))}))
    sys.exit(0)

import opentimelineio as otio  # noqa: E402

rate = num / den
# Drop-frame at 29.97 and 59.94 when the source's start timecode says so (`;`); a
# non-drop timecode track at those rates (`01:00:00:00`) counts non-drop.
drop = (num, den) in ((30000, 1001), (60000, 1001)) and ";" in start_tc
kwargs = {"rate": rate} if adapter == "cmx_3600" else {}
tl = otio.adapters.read_from_file(path, adapter_name=adapter, **kwargs)
if not isinstance(tl, otio.schema.Timeline):
    tl = next(iter(tl.find_children(descended_from_type=otio.schema.Timeline)))
start = otio.opentime.from_timecode(start_tc, rate)


def frames(t):
    """A time on this rate's frame grid (OpenTimelineIO keeps float seconds)."""
    return otio.opentime.RationalTime(round(t.rescaled_to(rate).value), rate)


clips = list(tl.find_clips())
out = []
for clip in clips:
    src = frames(clip.source_range.start_time)
    for m in clip.markers:
        at = frames(m.marked_range.start_time)
        if adapter == "cmx_3600" and drop:
            # The adapter ignores the EDL's "FCM: DROP FRAME" line and counts every label
            # written with colons as non-drop; read the labels back as written and count
            # them drop-frame, as the FCM line says.
            def df(t):
                label = otio.opentime.to_timecode(t, rate, False)
                return otio.opentime.from_timecode(label[:8] + ";" + label[9:], rate)
            frame = (df(at) - df(src)).to_frames()
            at = df(at)
        elif adapter == "fcp_xml":
            # xmeml marker in/out count frames from the clip's first frame.
            frame = at.to_frames()
        else:
            # cmx_3600 and fcpx_xml place markers in the clip's source time.
            frame = (at - src).to_frames()
        found = start + otio.opentime.RationalTime(frame, rate)
        out.append({
            "name": m.name,
            "frame": int(round(frame)),
            "timecode": otio.opentime.to_timecode(
                (src + otio.opentime.RationalTime(frame, rate)) if adapter == "fcp_xml" else at,
                rate, drop),
            "expected": otio.opentime.to_timecode(found, rate, drop),
            "color": str(m.color),
        })
clip_start = otio.opentime.to_timecode(frames(clips[0].source_range.start_time), rate, False) if clips else None
if clip_start and drop and adapter == "cmx_3600":
    clip_start = clip_start[:8] + ";" + clip_start[9:]
elif clips:
    clip_start = otio.opentime.to_timecode(frames(clips[0].source_range.start_time), rate, drop)
if adapter == "fcpx_xml":
    # The fcpx_xml adapter counts whole frames per second (23 at 23.976: its
    # to_rational_time truncates the rate), so at NTSC rates its positions are a frame
    # off at worst. Where it found the markers is kept as `otio_frame`; the exact frame
    # comes from the FCPXML's rational seconds, read here with ElementTree.
    import xml.etree.ElementTree as ET
    from fractions import Fraction

    def secs(v):
        v = v.rstrip("s")
        n, _, d = v.partition("/")
        return Fraction(int(n), int(d or 1))

    root = ET.parse(path).getroot()
    exact = []
    for ac in root.iter("asset-clip"):
        s0 = secs(ac.get("start", "0s"))
        for mk in ac.iter("marker"):
            f = (secs(mk.get("start")) - s0) * Fraction(num, den)
            assert f.denominator == 1, f"marker between frames: {mk.get('start')}"
            exact.append((mk.get("value"), int(f), int(s0 * Fraction(num, den))))
    assert [m["name"] for m in out] == [n for n, _, _ in exact], (out, exact)
    for m, (_, f, first) in zip(out, exact):
        m["otio_frame"] = m["frame"]
        m["frame"] = f
        m["timecode"] = otio.opentime.to_timecode(
            otio.opentime.RationalTime(first + f, rate), rate, drop)
        m["expected"] = otio.opentime.to_timecode(start + otio.opentime.RationalTime(f, rate), rate, drop)
    if exact:
        clip_start = otio.opentime.to_timecode(otio.opentime.RationalTime(exact[0][2], rate), rate, drop)

print(json.dumps({
    "clips": len(clips),
    "clip_start": clip_start,
    "markers": out,
}))
