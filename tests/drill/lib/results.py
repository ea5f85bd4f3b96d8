"""results.py - checks for the `strata drill listen` integration tests.

  results.py compare SUB_OUT EXPECTED     every expected line received exactly once, nothing else
  results.py metric PORT NAME [LABELS]    print a /metrics value (0 when absent)
  results.py holes SUB_OUT                print "count distinct" of depth-estimation results
  results.py ids SUB_OUT                  print the ResultIds of depth results, sorted
  results.py pairing SUB_OUT REPLAY_OUT EXPECTED_DIR
      each result of a replayed hole equals the estimate of the capture it was
      made from (EXPECTED_DIR/<capture name>.json), but for ResultId and
      SourceTimestamp, which must be the hole's own
"""
import json
import sys
import urllib.request

DEPTH = "DepthEstimation.DepthEstimation"


def received(path):
    """Result lines 'topic payload' from mosquitto_sub -F '%t %p' (probes skipped)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("OPCPUBSUB/"):
                out.append(line)
    return out


def expected(path):
    """`strata drill estimate --json` lines {"topic":T,"payload":P} -> 'T P' (P verbatim)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            topic = json.loads(line)["topic"]
            marker = ',"payload":'
            payload = line[line.index(marker) + len(marker):-1]
            json.loads(payload)
            out.append(topic + " " + payload)
    return out


def compare(sub_out, exp):
    got, want = sorted(received(sub_out)), sorted(expected(exp))
    if got == want:
        print("results: %d publications, as expected" % len(got))
        return 0
    missing = [w for w in want if w not in got]
    extra = [g for g in got if g not in want]
    print("results differ: %d received, %d expected" % (len(got), len(want)))
    for m in missing[:5]:
        print("missing:", m[:300])
    for e in extra[:5]:
        print("unexpected:", e[:300])
    return 1


def metric(port, name, labels=""):
    text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=10).read().decode()
    want = name + ("{" + labels + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(want + " "):
            print(line.split()[-1])
            return 0
    print(0)
    return 0


def depth_results(sub_out):
    res = []
    for line in received(sub_out):
        topic, payload = line.split(" ", 1)
        if topic.endswith(DEPTH):
            res.append(json.loads(payload))
    return res


def pairing(sub_out, replay_out, exp_dir):
    """Replay printed 'n id timestamp dir'; results must match their own capture."""
    import os
    holes = {}
    with open(replay_out, encoding="utf-8") as f:
        for line in f:
            n, rid, ts, d = line.rstrip("\n").split("\t")
            holes[rid] = (ts, os.path.basename(d))
    bad = 0
    seen = {}
    for line in received(sub_out):
        topic, payload = line.split(" ", 1)
        got = json.loads(payload)
        rid = str(got["ResultId"])
        if rid not in holes:
            print("result for an unknown hole:", line[:200])
            bad += 1
            continue
        seen[(topic, rid)] = seen.get((topic, rid), 0) + 1
        ts, capture = holes[rid]
        want = None
        for e in expected(os.path.join(exp_dir, capture + ".json")):
            t, p = e.split(" ", 1)
            if t == topic:
                want = json.loads(p)
        if want is None:
            print("no expected result for", topic, capture)
            bad += 1
            continue
        for k in ("ResultId", "SourceTimestamp"):
            want.pop(k, None)
            got.pop(k, None)
        if got != want:
            print("hole %s (%s) on %s: got %s, expected %s" % (rid, capture, topic, got, want))
            bad += 1
    for k, n in seen.items():
        if n != 1:
            print("hole %s answered %d times on %s" % (k[1], n, k[0]))
            bad += 1
    if len(seen) != 2 * len(holes):
        print("%d publications for %d holes" % (len(seen), len(holes)))
        bad += 1
    print("pairing: %d holes, %d problems" % (len(holes), bad))
    return 1 if bad else 0


def main(argv):
    if argv[1] == "pairing":
        return pairing(argv[2], argv[3], argv[4])
    if argv[1] == "compare":
        return compare(argv[2], argv[3])
    if argv[1] == "metric":
        return metric(argv[2], argv[3], argv[4] if len(argv) > 4 else "")
    if argv[1] == "holes":
        res = depth_results(argv[2])
        keys = {(r["ResultId"], r["SourceTimestamp"]) for r in res}
        print(len(res), len(keys))
        return 0
    if argv[1] == "ids":
        print(" ".join(sorted(str(r["ResultId"]) for r in depth_results(argv[2]))))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
