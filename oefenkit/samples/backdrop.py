"""The still parts of a scene: colours, where everything stands, the room.

:func:`make_palette` picks the colours of one clip from the script's seed,
:func:`layout_for` gives the fixed positions of each setting (where the
parent's hip, the baby's seat and the toy are), and :func:`build_layers`
draws the room and furniture once: a background layer, and a foreground
layer (the front of the bath with its water, the high chair's tray) that is
laid over the baby in every frame.

All positions are in design units on a 640 × 360 picture.

Colours are chosen so that a test can find things by colour: the parent's
skin, the baby's clothes and the tears are far apart from each other and from
every colour of the room.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from .pen import Color, Pen, Point

__all__ = ["Palette", "Layout", "Foreground", "make_palette", "layout_for", "build_layers", "DESIGN_SIZE", "TEAR"]

#: The size (width, height) every position is designed for.
DESIGN_SIZE = (640, 360)

#: Tears: a saturated sky blue that nothing else in a scene uses (BGR).
TEAR: Color = (250, 170, 40)

# BGR colours. Skin tones of the parent and the baby are kept far apart.
_PARENT_SKIN = [(70, 100, 150), (55, 80, 120), (90, 130, 185)]
_BABY_SKIN = [(195, 218, 250), (175, 205, 240), (160, 190, 230)]
_PARENT_HAIR = [(30, 30, 40), (40, 60, 90), (20, 20, 20), (110, 170, 210)]
_BABY_HAIR = [(40, 45, 60), (120, 190, 225)]
_SHIRTS = [(150, 130, 40), (30, 160, 225), (120, 60, 130), (110, 80, 40), (80, 110, 220), (90, 140, 70)]
_TROUSERS = [(80, 60, 50), (60, 60, 60), (120, 90, 60)]
# baby clothes: clear pastels, none close to a wall, the tiles, the skin tones or the tears
_ONESIES = [(150, 230, 250), (190, 235, 180), (225, 190, 240), (245, 200, 140)]
_WALLS = [(215, 235, 245), (225, 240, 230), (235, 230, 240), (210, 225, 240), (230, 235, 225)]
_FLOORS = [(150, 180, 205), (170, 175, 180), (130, 160, 190), (175, 190, 200)]


@dataclass(frozen=True)
class Palette:
    """The colours of one clip (BGR)."""

    wall: Color
    floor: Color
    parent_skin: Color
    parent_hair: Color
    parent_shirt: Color
    parent_trousers: Color
    baby_skin: Color
    baby_hair: Color
    baby_clothes: Color
    hair_style: str
    tear: Color = TEAR
    outline: Color = (70, 70, 80)
    mouth: Color = (70, 60, 170)
    eye: Color = (45, 40, 40)
    blush: Color = (170, 170, 245)
    water: Color = (225, 215, 160)
    tub: Color = (245, 245, 250)
    furniture: Color = (235, 240, 245)
    furniture_shade: Color = (200, 205, 215)


@dataclass(frozen=True)
class Layout:
    """Where things stand in one setting (design units)."""

    setting: str
    #: ``standing``, ``seated`` or ``kneeling``.
    posture: str
    #: The parent's hip (the pivot of the torso).
    hip: Point
    #: The baby's seat (origin of the baby's own coordinates).
    baby_seat: Point
    #: 0 = sitting up, 90 = lying with the head to the right.
    baby_angle: float
    floor_y: float
    #: Where the toy lies when nobody holds it: near the baby, and in the basket by the parent.
    toy_spot: Point
    parent_toy_spot: Point
    #: ``duck`` (in the bath) or ``rattle``.
    toy: str
    #: Where the baby sits when the parent holds it (pick up), relative to the hip.
    held_offset: Point = (58.0, -4.0)


_LAYOUTS = {
    "bathing": Layout("bathing", "standing", hip=(282, 236), baby_seat=(438, 252), baby_angle=0, floor_y=300,
                      toy_spot=(496, 228), parent_toy_spot=(226, 238), toy="duck"),
    "feeding": Layout("feeding", "seated", hip=(296, 252), baby_seat=(440, 232), baby_angle=0, floor_y=300,
                      toy_spot=(388, 206), parent_toy_spot=(222, 236), toy="rattle"),
    "play_mat": Layout("play_mat", "kneeling", hip=(286, 284), baby_seat=(432, 322), baby_angle=0, floor_y=262,
                       toy_spot=(380, 340), parent_toy_spot=(236, 298), toy="rattle"),
    "changing": Layout("changing", "standing", hip=(290, 236), baby_seat=(392, 224), baby_angle=90, floor_y=300,
                       toy_spot=(515, 216), parent_toy_spot=(234, 238), toy="rattle"),
}


def layout_for(setting: str) -> Layout:
    """The fixed layout of a setting (``bathing``, ``feeding``, ``play_mat``, ``changing``)."""
    return _LAYOUTS[setting]


def make_palette(seed: int) -> Palette:
    """The colours of a clip, fixed by the script's seed.

    >>> make_palette(3) == make_palette(3)
    True
    """
    rng = random.Random(seed)
    return Palette(
        wall=rng.choice(_WALLS),
        floor=rng.choice(_FLOORS),
        parent_skin=rng.choice(_PARENT_SKIN),
        parent_hair=rng.choice(_PARENT_HAIR),
        parent_shirt=rng.choice(_SHIRTS),
        parent_trousers=rng.choice(_TROUSERS),
        baby_skin=rng.choice(_BABY_SKIN),
        baby_hair=rng.choice(_BABY_HAIR),
        baby_clothes=rng.choice(_ONESIES),
        hair_style=rng.choice(["short", "bun", "long"]),
    )


def _shade(c: Color, f: float) -> Color:
    return tuple(int(max(0, min(255, round(v * f)))) for v in c)  # type: ignore[return-value]


# -- the room -------------------------------------------------------------------------


def _room(pen: Pen, pal: Palette, lay: Layout, rng: random.Random) -> None:
    w, h = DESIGN_SIZE
    pen.rect((0, 0), (w, lay.floor_y), pal.wall)
    pen.rect((0, lay.floor_y), (w, h), pal.floor)
    pen.rect((0, lay.floor_y - 6), (w, lay.floor_y), _shade(pal.wall, 0.85))
    for k in range(1, 6):  # floor boards
        y = lay.floor_y + (h - lay.floor_y) * (k / 6) ** 1.3
        pen.line((0, y), (w, y), _shade(pal.floor, 0.93), 1)
    # window with sky and a curtain
    wx = rng.uniform(28, 70)
    wy, ww, wh = 34, 104, 86
    pen.rect((wx - 5, wy - 5), (wx + ww + 5, wy + wh + 5), (250, 250, 250), 4)
    pen.rect((wx, wy), (wx + ww, wy + wh), (245, 225, 190))
    pen.ellipse((wx + ww * rng.uniform(0.3, 0.7), wy + 30), (22, 8), (255, 255, 255))
    pen.line((wx + ww / 2, wy), (wx + ww / 2, wy + wh), (250, 250, 250), 3)
    pen.line((wx, wy + wh / 2), (wx + ww, wy + wh / 2), (250, 250, 250), 3)
    curtain = rng.choice([(170, 200, 235), (200, 180, 150), (160, 210, 190)])
    pen.polygon([(wx - 14, wy - 12), (wx + 14, wy - 12), (wx + 6, wy + wh + 14), (wx - 16, wy + wh + 14)], curtain)
    # a framed picture and a small plant high on the wall
    px = rng.uniform(520, 560)
    pen.rect((px, 40), (px + 54, 82), (120, 150, 190), 3)
    pen.rect((px + 5, 45), (px + 49, 77), rng.choice([(200, 230, 200), (230, 215, 190), (210, 200, 235)]))
    pen.circle((px + 27, 66), 9, rng.choice([(90, 170, 240), (140, 200, 120)]))
    shelf_x = rng.uniform(190, 240)
    pen.rect((shelf_x, 70), (shelf_x + 70, 75), (150, 175, 200), 2)
    pen.rect((shelf_x + 10, 52), (shelf_x + 24, 70), (140, 160, 220), 2)
    for k, a in enumerate((-30, 0, 30)):
        pen.ellipse((shelf_x + 17 + 5 * k - 5, 46), (4, 9), (90, 160, 90), angle=a)


def _basket(pen: Pen, lay: Layout) -> None:
    """A toy basket (or side table) by the parent, where a taken toy is put down."""
    x, y = lay.parent_toy_spot
    y += 6
    if lay.posture == "kneeling":
        pen.rect((x - 20, y), (x + 20, y + 20), (110, 160, 200), 4)
        for k in range(1, 4):
            pen.line((x - 20 + 10 * k, y), (x - 20 + 10 * k, y + 20), (90, 135, 175), 1)
        return
    pen.rect((x - 22, y), (x + 22, y + 6), (140, 170, 200), 2)  # a small side table
    pen.line((x - 16, y + 6), (x - 18, lay.floor_y + 46), (120, 150, 180), 4)
    pen.line((x + 16, y + 6), (x + 18, lay.floor_y + 46), (120, 150, 180), 4)


def _bathroom(pen: Pen, pal: Palette, lay: Layout) -> None:
    # tiles on the lower half of the wall
    tile = (235, 225, 200)
    pen.rect((0, 150), (DESIGN_SIZE[0], lay.floor_y - 6), tile)
    for x in range(0, DESIGN_SIZE[0] + 1, 32):
        pen.line((x, 150), (x, lay.floor_y - 6), (215, 205, 185), 1)
    for y in range(150, int(lay.floor_y), 26):
        pen.line((0, y), (DESIGN_SIZE[0], y), (215, 205, 185), 1)
    # towel on a rail
    pen.line((560, 126), (624, 126), (170, 170, 170), 3)
    pen.rect((568, 126), (612, 190), (180, 200, 250), 5)
    # the stand of the baby bath
    sx, sy = lay.baby_seat[0], 292
    pen.rect((sx - 86, sy - 8), (sx + 86, sy), (190, 195, 200), 3)
    for dx in (-74, 74):
        pen.line((sx + dx, sy), (sx + dx * 1.1, lay.floor_y + 40), (150, 155, 160), 5)
    # back half of the tub (behind the baby)
    pen.ellipse((sx, 232), (96, 18), _shade(pal.tub, 0.88))


def _tub_front(pen: Pen, pal: Palette, lay: Layout) -> None:
    sx = lay.baby_seat[0]
    pen.ellipse((sx, 236), (90, 9), pal.water)
    pen.polygon([(sx - 96, 234), (sx + 96, 234), (sx + 80, 290), (sx - 80, 290)], pal.tub)
    pen.ellipse((sx, 290), (80, 6), pal.tub)
    pen.line((sx - 96, 234), (sx + 96, 234), _shade(pal.tub, 0.85), 4)
    for dx, dy, r in ((-60, 232, 5), (-44, 229, 4), (58, 233, 6), (70, 229, 3), (-20, 231, 3)):
        pen.circle((sx + dx, dy), r, (250, 250, 245))
        pen.circle((sx + dx, dy), r, (220, 215, 200), 1)
    pen.ellipse((sx - 30, 262), (30, 8), (250, 250, 252))  # shine


def _kitchen(pen: Pen, pal: Palette, lay: Layout) -> None:
    # parent's chair
    hx, hy = lay.hip
    pen.rect((hx - 46, hy - 90), (hx - 34, hy + 4), (120, 150, 190), 4)
    pen.rect((hx - 46, hy), (hx + 26, hy + 10), (120, 150, 190), 3)
    for dx in (-40, 20):
        pen.line((hx + dx, hy + 8), (hx + dx, lay.floor_y + 42), (100, 130, 170), 5)
    # high chair: seat, back, legs
    bx, by = lay.baby_seat
    pen.rect((bx - 26, by - 2), (bx + 30, by + 8), pal.furniture_shade, 3)
    pen.rect((bx + 18, by - 80), (bx + 30, by + 4), pal.furniture_shade, 4)
    for dx0, dx1 in ((-22, -44), (26, 48)):
        pen.line((bx + dx0, by + 8), (bx + dx1, lay.floor_y + 44), (170, 175, 185), 5)
    pen.line((bx - 36, by + 70), (bx + 40, by + 70), (170, 175, 185), 4)
    # kitchen counter in the back
    pen.rect((470, 170), (640, lay.floor_y - 6), (200, 215, 225))
    pen.rect((470, 164), (640, 172), (150, 170, 190))
    pen.rect((560, 110), (590, 164), (210, 235, 245), 3)


def _tray(pen: Pen, pal: Palette, lay: Layout) -> None:
    bx, by = lay.baby_seat
    pen.rect((bx - 64, by - 22), (bx - 14, by - 12), pal.furniture, 4)
    pen.line((bx - 64, by - 12), (bx - 14, by - 12), pal.furniture_shade, 2)


def _living_room(pen: Pen, pal: Palette, lay: Layout, rng: random.Random) -> None:
    sofa = rng.choice([(140, 120, 90), (110, 130, 170), (150, 150, 120)])
    pen.rect((400, 168), (640, 250), sofa, 14)
    pen.rect((420, 190), (640, 262), _shade(sofa, 1.15), 10)
    # the play mat: a floor rug with coloured squares, in perspective
    x1, x2, y1, y2 = 320, 600, 290, 356
    pen.polygon([(x1 + 24, y1), (x2 - 24, y1), (x2, y2), (x1, y2)], (220, 235, 240))
    colours = [(140, 200, 250), (170, 230, 170), (230, 190, 160), (200, 170, 240)]
    for i in range(4):
        for j in range(2):
            u0, u1, v0, v1 = i / 4, (i + 1) / 4, j / 2, (j + 1) / 2
            def at(u, v):
                left = x1 + 24 * (1 - v)
                right = x2 - 24 * (1 - v)
                return (left + (right - left) * u, y1 + (y2 - y1) * v)
            pts = [at(u0 + 0.02, v0 + 0.05), at(u1 - 0.02, v0 + 0.05), at(u1 - 0.02, v1 - 0.05), at(u0 + 0.02, v1 - 0.05)]
            pen.polygon(pts, colours[(i + j) % 4])
    # play arch over the mat
    pen.ellipse((470, 300), (110, 96), (120, 160, 220), start=200, end=340, thickness=5)
    for k, c in enumerate(((120, 200, 120), (80, 200, 240), (200, 140, 80))):
        x = 400 + 60 * k
        pen.line((x, 214 + abs(k - 1) * 8), (x, 236), (150, 150, 150), 1)
        pen.circle((x, 240), 7, c)


def _nursery(pen: Pen, pal: Palette, lay: Layout) -> None:
    by = lay.baby_seat[1]
    top = by + 12
    # changing table: a dresser with a pad on top
    pen.rect((324, top), (564, lay.floor_y + 40), pal.furniture, 4)
    for k in range(2):
        y = top + 22 + k * 34
        pen.rect((336, y), (552, y + 28), pal.furniture_shade, 3)
        pen.circle((444, y + 14), 3, (150, 150, 160))
    pen.rect((330, top - 14), (558, top + 2), (200, 225, 160), 8)  # the pad
    # nappies on a shelf and a mobile
    pen.rect((470, 120), (600, 126), (150, 175, 200))
    for k in range(4):
        pen.rect((480 + 28 * k, 100), (502 + 28 * k, 120), (250, 250, 250), 3)
    pen.line((440, 0), (440, 40), (150, 150, 150), 1)
    pen.line((400, 40), (480, 40), (150, 150, 150), 2)
    for x, c in ((400, (120, 200, 250)), (440, (200, 160, 240)), (480, (160, 220, 160))):
        pen.line((x, 40), (x, 60), (150, 150, 150), 1)
        pen.circle((x, 66), 7, c)


class Foreground:
    """A still layer laid over the figures, with anti-aliased edges (premultiplied alpha)."""

    def __init__(self, on_black: np.ndarray, on_white: np.ndarray):
        # on_black = alpha * colour; on_white = alpha * colour + (1 - alpha) * 255
        alpha = 255 - (on_white[..., 0].astype(np.int32) - on_black[..., 0].astype(np.int32))
        ys, xs = np.nonzero(alpha)
        self.box = (int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1)
        y0, y1, x0, x1 = self.box
        self._colour = on_black[y0:y1, x0:x1].astype(np.uint32) * 255
        self._keep = (255 - alpha[y0:y1, x0:x1, None]).astype(np.uint32)

    def apply(self, frame: np.ndarray) -> None:
        """Lay the layer over ``frame`` (in place); integer arithmetic only."""
        y0, y1, x0, x1 = self.box
        region = frame[y0:y1, x0:x1]
        region[...] = ((region.astype(np.uint32) * self._keep + self._colour + 127) // 255).astype(np.uint8)


def build_layers(lay: Layout, pal: Palette, seed: int, scale: float) -> tuple[np.ndarray, Foreground | None]:
    """Draw the still room once.

    Returns
    -------
    background : numpy.ndarray
        ``(h, w, 3)`` BGR: room and furniture behind the figures.
    foreground : Foreground or None
        What lies in front of the baby (bath front and water, high chair
        tray); ``None`` when nothing does.
    """
    w, h = round(DESIGN_SIZE[0] * scale), round(DESIGN_SIZE[1] * scale)
    rng = random.Random(f"room-{seed}")
    bg = np.zeros((h, w, 3), np.uint8)
    pen = Pen(bg, scale)
    _room(pen, pal, lay, rng)
    front = None
    if lay.setting == "bathing":
        _bathroom(pen, pal, lay)
        front = _tub_front
    elif lay.setting == "feeding":
        _kitchen(pen, pal, lay)
        front = _tray
    elif lay.setting == "play_mat":
        _living_room(pen, pal, lay, rng)
    else:
        _nursery(pen, pal, lay)
    _basket(pen, lay)
    if front is None:
        return bg, None
    on_black, on_white = np.zeros_like(bg), np.full_like(bg, 255)
    front(Pen(on_black, scale), pal, lay)
    front(Pen(on_white, scale), pal, lay)
    return bg, Foreground(on_black, on_white)
