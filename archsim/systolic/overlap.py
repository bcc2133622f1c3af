"""Where SCALE-Sim's address-set SRAM first misses on a ws im2col ifmap stream (overlapping windows).

SCALE-Sim's read SRAM holds a window of the prefetch stream and answers a
demand by *address*: an im2col entry hits if the same ifmap element sits
anywhere in the window, e.g. fetched earlier for an overlapping window or an
earlier kernel tap. So the first miss is not at the window's end but at the
first entry after it whose element the window never held, which for a
convolution with overlapping windows can be much later (for ``3x3`` stride 1,
near the bottom-right border of the last kernel tap).

Under ws the ifmap stream is fold-major: fold ``f`` carries im2col columns
``[f * rows, (f + 1) * rows)`` (column ``j = tap * C + channel``, taps ``r * S + s``)
for every output pixel in raster order, pixel-major. An element ``(y, x, c)``
of tap ``t``'s pixel ``(oy, ox)`` was seen before if another tap ``t'`` of the
same channel holds it in an earlier fold (any pixel) or in the same fold at an
earlier pixel (the later taps: ``t' > t``). In tap ``t``'s pixel grid each such
tap covers a rectangle (shifted by the tap offset over the stride), so the first
new entry of a column is the first raster pixel outside a union of at most
``R * S`` rectangles: found in O((R S)^2) per column class, independent of the
layer's size. Columns of one tap share the covering taps except across fold
boundaries, so a tap splits into at most three channel classes.

The positions ignore SCALE-Sim's diagonal roll of the ifmap prefetch matrix
(entries move by at most ``rows^2 / 2``, a few demand cycles).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from workloads.ops import Conv2d

Rect = tuple[int, int, int, int]
"""Half-open pixel rectangle ``(y0, y1, x0, x1)`` in one tap's output grid."""


@dataclass(frozen=True)
class ConvGeometry:
    """The im2col address structure of a single-image, ungrouped convolution (SCALE-Sim's address order)."""

    out_h: int
    out_w: int
    kernel_h: int
    kernel_w: int
    channels: int
    stride_h: int
    stride_w: int
    dilation_h: int
    dilation_w: int

    @classmethod
    def of(cls, op: Conv2d) -> ConvGeometry | None:
        """The geometry of ``op``, or None when its stream is not plain im2col (batch, groups, ceil overhang)."""
        if op.batch != 1 or op.groups != 1 or op.kernel_h * op.kernel_w == 1:
            return None
        reach_h = (op.out_h - 1) * op.stride_h + op.eff_kernel_h
        reach_w = (op.out_w - 1) * op.stride_w + op.eff_kernel_w
        if reach_h > op.padded_h or reach_w > op.padded_w:
            return None  # ceil-mode windows overhang the input: SCALE-Sim drops those entries
        return cls(
            op.out_h,
            op.out_w,
            op.kernel_h,
            op.kernel_w,
            op.in_channels,
            op.stride_h,
            op.stride_w,
            op.dilation_h,
            op.dilation_w,
        )

    def first_new_ws(self, rows: int, start: int) -> int | None:
        """The first ws stream position at or after ``start`` whose element no position before ``start`` holds.

        Returns None when every later entry repeats an element of ``[0, start)``.
        """
        pixels = self.out_h * self.out_w
        window = self.kernel_h * self.kernel_w * self.channels
        fold = start // (rows * pixels)
        while fold * rows < window:
            width = min(rows, window - fold * rows)
            offset = fold * rows * pixels
            start_pixel, start_column = divmod(start - offset, width) if start > offset else (0, 0)
            best = None
            for tap, first, last, covering in self._column_classes(fold * rows, fold * rows + width):
                found = self._first_in_class(tap, covering, first, last, start_pixel, start_column)
                if found is not None:
                    position = offset + found[0] * width + found[1]
                    best = position if best is None else min(best, position)
            if best is not None:
                return best
            fold += 1
        return None

    def _column_classes(self, low: int, high: int) -> list[tuple[int, int, int, list[int]]]:
        """Columns ``[low, high)`` of one fold as ``(tap, first, last, covering taps)``, columns fold-relative.

        Tap ``t'`` covers channel ``c`` of tap ``t`` if column ``t' C + c`` lies in an earlier fold
        (``t' < ceil((low - c) / C)``) or later in this fold (``t < t' < ceil((high - c) / C)``);
        both bounds change at most once over a tap's channels (at ``low % C`` and ``high % C``).
        """
        channels, taps = self.channels, self.kernel_h * self.kernel_w
        classes = []
        for tap in range((low // channels), (high - 1) // channels + 1):
            c_low = max(0, low - tap * channels)
            c_high = min(channels, high - tap * channels)
            cuts = sorted({c_low, c_high} | {c for c in (low % channels, high % channels) if c_low < c < c_high})
            for c0, c1 in itertools.pairwise(cuts):
                earlier = max(0, -((c0 - low) // channels))
                later = min(taps, -((c0 - high) // channels))
                covering = [*range(earlier), *range(tap + 1, later)]
                classes.append((tap, tap * channels + c0 - low, tap * channels + c1 - 1 - low, covering))
        return classes

    def _first_in_class(
        self, tap: int, covering: list[int], first: int, last: int, start_pixel: int, start_column: int
    ) -> tuple[int, int] | None:
        """``(pixel, column)`` of the class's first new entry at or after ``(start_pixel, start_column)``."""
        rects = self._covered(tap, covering)
        pixel = _first_uncovered(rects, self.out_h, self.out_w, start_pixel)
        if pixel is None:
            return None
        if pixel > start_pixel or first >= start_column:
            return pixel, first
        if last >= start_column:
            return pixel, start_column
        pixel = _first_uncovered(rects, self.out_h, self.out_w, start_pixel + 1)
        return None if pixel is None else (pixel, first)

    def _covered(self, tap: int, covering: list[int]) -> list[Rect]:
        """Pixels of ``tap`` whose element the ``covering`` taps hold (same stride phase), as rectangles."""
        r, s = divmod(tap, self.kernel_w)
        rects = []
        for other in covering:
            r2, s2 = divmod(other, self.kernel_w)
            shift_y, shift_x = (r - r2) * self.dilation_h, (s - s2) * self.dilation_w
            if shift_y % self.stride_h or shift_x % self.stride_w:
                continue
            dy, dx = shift_y // self.stride_h, shift_x // self.stride_w
            rect = (max(0, -dy), min(self.out_h, self.out_h - dy), max(0, -dx), min(self.out_w, self.out_w - dx))
            if rect[0] < rect[1] and rect[2] < rect[3]:
                rects.append(rect)
        return rects


def _first_uncovered(rects: list[Rect], height: int, width: int, start: int) -> int | None:
    """The first raster pixel index ``>= start`` of a ``height x width`` grid outside every rectangle."""
    y, x = divmod(start, width)
    while y < height:
        from_zero = x == 0
        covering = [rect for rect in rects if rect[0] <= y < rect[1]]
        for x0, x1 in sorted((rect[2], rect[3]) for rect in covering):
            if x0 > x:
                break
            x = max(x, x1)
        if x < width:
            return y * width + x
        # A row covered from its start stays covered until a rectangle starts or ends.
        y = min([rect[1] for rect in covering] + [rect[0] for rect in rects if rect[0] > y]) if from_zero else y + 1
        x = 0
    return None
