from syncsheet.wording import counted, short_duration


def test_counts_read_as_words():
    assert counted(1, "frame") == "1 frame"
    assert counted(0, "cue") == "0 cues"
    assert counted(3, "beat") == "3 beats"
    assert counted(2, "is", "are") == "2 are"


def test_short_durations_read_in_milliseconds():
    assert short_duration(0.005) == "5 ms"
    assert short_duration(0.0999) == "100 ms"
    assert short_duration(0.42) == "0.42 s"
