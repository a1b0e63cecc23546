"""The GIL is released during forward passes, and repeated calls leak neither Python objects
nor native memory."""

import gc
import math
import sys
import threading
import time

import attnscope


def long_text(words):
    vocab = "the cat sat on mat dog ran to a big red house and saw it".split()
    return " ".join(vocab[k % len(vocab)] for k in range(words))


def test_a_second_thread_progresses_during_a_forward_pass(demo):
    text = long_text(1000)  # ~1000 tokens
    start = time.perf_counter()
    demo.analyze(text)
    one = time.perf_counter() - start
    texts = [text] * max(1, math.ceil(1.0 / max(one, 1e-3)))  # one call of ~1 s

    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    counter = threading.Thread(target=count)
    counter.start()
    try:
        before = ticks
        time.sleep(0.2)  # the counter alone: its rate
        rate = (ticks - before) / 0.2
        before = ticks
        start = time.perf_counter()
        demo.analyze(texts)
        elapsed = time.perf_counter() - start
        during = ticks - before
    finally:
        stop.set()
        counter.join()
    # Holding the GIL, the call would let the counter run only around its ends (a switch
    # interval or two, ~10 ms); released, the counter runs through it (slower when the forward
    # pass's threads take the CPUs, hence the margin).
    assert elapsed > 0.5, "the call was too short to tell (%.3f s)" % elapsed
    share = during / (rate * elapsed)
    print("counter share %.3f over %.2f s" % (share, elapsed))
    assert share > 0.1, "the counter ran %.1f%% of its rate during a %.2f s call" % (
        100 * share, elapsed)


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_no_leak_over_1000_calls(demo):
    text = long_text(60)  # ~60 tokens: 2*4*61*61 floats = 120 KB of attention per call

    def once():
        p = demo.get_attention_patterns(text)
        a = p.attention
        demo.analyze_pattern(p.layer(0))
        demo.get_token_importance(text)
        return float(a[0, 0, -1, 0])

    for _ in range(50):
        once()
    gc.collect()
    objects = len(gc.get_objects())
    refs = sys.getrefcount(demo)
    rss = rss_bytes()
    for _ in range(1000):
        once()
    gc.collect()
    grown = rss_bytes() - rss
    assert sys.getrefcount(demo) == refs
    assert len(gc.get_objects()) - objects < 100
    # A leaked buffer per call would be >= 120 MB; allow allocator noise.
    assert grown < 16 * 2**20, "RSS grew by %d bytes over 1000 calls" % grown


def test_exceptions_do_not_leak(demo):
    for _ in range(200):
        try:
            demo.get_attention_patterns("x", layers=[9])
        except attnscope.InputError:
            pass
    gc.collect()
    refs = sys.getrefcount(demo)
    for _ in range(1000):
        try:
            demo.get_attention_patterns("x", layers=[9])
        except attnscope.InputError:
            pass
    gc.collect()
    assert sys.getrefcount(demo) == refs
