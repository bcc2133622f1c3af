"""The first address-new entry of a ws im2col stream, against an explicit address trace."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from archsim.systolic.overlap import ConvGeometry
from workloads.ops import Conv2d


def _ws_addresses(op: Conv2d, rows: int) -> list[tuple[int, int, int]]:
    """SCALE-Sim's ws ifmap stream as ifmap elements: folds of ``rows`` im2col columns, pixel-major."""
    window = op.kernel_h * op.kernel_w * op.in_channels
    stream = []
    for low in range(0, window, rows):
        for oy in range(op.out_h):
            for ox in range(op.out_w):
                for column in range(low, min(low + rows, window)):
                    tap, channel = divmod(column, op.in_channels)
                    r, s = divmod(tap, op.kernel_w)
                    y = oy * op.stride_h + r * op.dilation_h
                    x = ox * op.stride_w + s * op.dilation_w
                    stream.append((y, x, channel))
    return stream


@st.composite
def convs(draw: st.DrawFn) -> Conv2d:
    kernel_h, kernel_w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dilation = draw(st.integers(1, 2))
    stride_h, stride_w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    in_h = draw(st.integers((kernel_h - 1) * dilation + 1, 11))
    in_w = draw(st.integers((kernel_w - 1) * dilation + 1, 11))
    return Conv2d(
        "c", draw(st.integers(1, 6)), 1, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w,
        dilation_h=dilation, dilation_w=dilation,
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(convs(), st.integers(1, 40), st.floats(0.0, 1.0))
def test_first_new_entry_matches_the_address_trace(op: Conv2d, rows: int, where: float) -> None:
    geometry = ConvGeometry.of(op)
    assume(geometry is not None)
    stream = _ws_addresses(op, rows)
    start = min(int(where * len(stream)), len(stream) - 1)
    held = set(stream[:start])
    expected = next((p for p in range(start, len(stream)) if stream[p] not in held), None)
    assert geometry.first_new_ws(rows, start) == expected


def test_overlapping_windows_defer_the_first_new_address_to_the_last_tap_border() -> None:
    # 3x3 stride 1, one tap per fold: every element of the last tap except the bottom-right
    # corner was fetched for an earlier tap, so from the last fold's start nothing is new
    # until the last output pixel.
    op = Conv2d("c", 4, 1, 12, 12, 3, 3)
    geometry = ConvGeometry.of(op)
    assert geometry is not None
    last_fold = 8 * 4 * op.output_pixels
    assert geometry.first_new_ws(4, last_fold) == last_fold + (op.output_pixels - 1) * 4


def test_streams_that_are_not_plain_im2col_have_no_geometry() -> None:
    assert ConvGeometry.of(Conv2d("c", 4, 4, 8, 8, 1, 1)) is None  # 1x1: no overlap
    assert ConvGeometry.of(Conv2d("c", 4, 4, 8, 8, 3, 3, batch=2)) is None
    assert ConvGeometry.of(Conv2d("c", 4, 4, 8, 8, 3, 3, groups=2)) is None
    assert ConvGeometry.of(Conv2d("c", 4, 4, 8, 8, 3, 3, 2, 2, ceil_mode=True)) is None  # windows overhang
