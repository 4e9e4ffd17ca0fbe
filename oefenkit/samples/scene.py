"""A scenario script as a simple, friendly 2D drawing: one picture per moment.

:class:`Scene` draws a clip's frame at time ``t`` (:meth:`Scene.draw`) and
exposes the geometry it draws from, in pixels, so tests can compare the
pixels of a decoded clip with the model:

* :meth:`Scene.hand_position` – centre of the parent's near hand (the one
  that reaches, soothes, washes, feeds);
* :meth:`Scene.baby_box`, :meth:`Scene.baby_head_box`, :meth:`Scene.parent_head_box`;
* :meth:`Scene.tears_visible`.

The parent stands, sits or kneels on the left, facing the baby on the
right. The hands are discs in the parent's skin colour (sleeves reach to the
wrist, so a hand is the only skin of that colour away from the face); tears are
drawn in :data:`~oefenkit.samples.backdrop.TEAR`, a colour nothing else uses.
A small "Synthetisch oefenfragment" label sits in the top right corner; the
time is not drawn.

Everything depends only on the script and the scale: no clock, no global
random state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .backdrop import (
    DESIGN_SIZE,
    Layout,
    Palette,
    build_layers,
    layout_for,
    make_palette,
)
from .motion import (
    HAND_RADIUS,
    BabyFrame,
    BabyState,
    ParentPose,
    ParentTimeline,
    baby_state,
    toy_in_hand,
    toy_side,
)
from .pen import Color, Pen, Point
from .script import CaseScript

__all__ = ["Scene", "Geometry", "LABEL"]

#: The label in the corner of every frame.
LABEL = "Synthetisch oefenfragment"

# parent body (design units, torso coordinates: hip at the origin, up is -y)
_SHOULDER = (4.0, -80.0)
_FAR_SHOULDER = (-2.0, -80.0)
_HEAD = (6.0, -112.0)
_HEAD_RADIUS = 24.0
_UPPER_ARM, _FOREARM = 60.0, 62.0
_MAX_LEAN = 40.0


def _shade(c: Color, f: float) -> Color:
    return tuple(int(max(0, min(255, round(v * f)))) for v in c)  # type: ignore[return-value]


def _rotate(p: Point, deg: float) -> Point:
    a = math.radians(deg)
    return (math.cos(a) * p[0] - math.sin(a) * p[1], math.sin(a) * p[0] + math.cos(a) * p[1])


def _add(a: Point, b: Point) -> Point:
    return (a[0] + b[0], a[1] + b[1])


def _dist(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _elbow(shoulder: Point, hand: Point) -> tuple[Point, Point]:
    """Elbow and (possibly shortened) hand of a two-part arm; the elbow bends downwards."""
    dx, dy = hand[0] - shoulder[0], hand[1] - shoulder[1]
    d = math.hypot(dx, dy)
    reach = _UPPER_ARM + _FOREARM
    if d >= reach - 1e-6:  # out of reach: a straight arm that stretches (a cartoon may)
        return ((shoulder[0] + dx * _UPPER_ARM / reach, shoulder[1] + dy * _UPPER_ARM / reach), hand)
    d = max(d, abs(_UPPER_ARM - _FOREARM) + 1e-3)
    a = (_UPPER_ARM ** 2 + d * d - _FOREARM ** 2) / (2 * d)  # along the line to the elbow
    h = math.sqrt(max(0.0, _UPPER_ARM ** 2 - a * a))
    ux, uy = dx / d, dy / d
    base = (shoulder[0] + ux * a, shoulder[1] + uy * a)
    # of the two normals take the one pointing down and back (away from the baby): elbows bend
    # down when the arm reaches forward and backwards when it hangs
    n = (-uy, ux)
    if n[1] - n[0] < 0:
        n = (uy, -ux)
    return ((base[0] + n[0] * h, base[1] + n[1] * h), hand)


@dataclass(frozen=True)
class Geometry:
    """Everything drawn at one moment, in design units."""

    t: float
    pose: ParentPose
    lean: float
    shoulder: Point
    far_shoulder: Point
    head: Point
    baby: BabyFrame
    state: BabyState
    toy: Point
    toy_held_by_parent: bool
    parent_talking: float  # 0 closed … 1 open mouth


class Scene:
    """The drawing of one script.

    Parameters
    ----------
    script : CaseScript
    scale : float
        Pixels per design unit; 1.0 gives 640 × 360 frames.

    Examples
    --------
    >>> from oefenkit.samples.script import load_script
    >>> from oefenkit.settings import PROJECT_ROOT
    >>> scene = Scene(load_script(PROJECT_ROOT / "tests/samples/data/test-reach.yaml"))
    >>> scene.draw(0.0).shape
    (360, 640, 3)
    """

    def __init__(self, script: CaseScript, scale: float = 1.0):
        self.script = script
        self.scale = float(scale)
        self.layout: Layout = layout_for(script.scene.setting)
        self.palette: Palette = make_palette(script.scene.seed)
        self.size = (round(DESIGN_SIZE[0] * self.scale), round(DESIGN_SIZE[1] * self.scale))
        self._background, self._foreground = build_layers(self.layout, self.palette, script.scene.seed, self.scale)
        self._timeline = ParentTimeline(script, self.layout, self._baby_at, self._toy_at)
        self._speech = [script.subtitle_span(e) for e in script.spoken if e.actor == "parent"]
        self._talk = [(e.t, e.end) for e in script.parent_events if e.action == "talk"]

    # -- model ---------------------------------------------------------------------

    def _state(self, t: float) -> BabyState:
        return _cached_state(self.script.events, t)

    def _baby_at(self, carry: Point, tilt: float, t: float) -> BabyFrame:
        seat = _add(self.layout.baby_seat, carry)
        return BabyFrame(seat, self.layout.baby_angle + tilt + self._state(t).wiggle)

    def _baby_hand(self, baby: BabyFrame, state: BabyState, t: float) -> Point:
        """The baby's near hand (design units)."""
        return baby.world(_baby_arm_end(BabyFrame.NEAR_SHOULDER, _near_arm_angle(state, t)))

    def _toy_at(self, side: str, t: float, baby: BabyFrame | None = None) -> Point:
        """Where the toy lies at ``t`` on ``side`` when the parent's hand does not hold it.

        By the baby it lies on its spot, or, while the baby plays, in the
        baby's hand (sliding there as the baby's arms move).
        """
        if side == "parent":
            return self.layout.parent_toy_spot
        spot = self.layout.toy_spot
        state = self._state(t)
        if state.arms != "playing":
            return spot
        if baby is None:
            baby = self._baby_at((0.0, 0.0), 0.0, t)
        hand = self._baby_hand(baby, state, t)
        w = state.arms_level
        return (spot[0] + (hand[0] - spot[0]) * w, spot[1] + (hand[1] - spot[1]) * w)

    def _lean(self, pose: ParentPose) -> float:
        """The smallest forward lean (at least the pose's) that lets both hands reach."""
        hip = self.layout.hip
        limit = 0.97 * (_UPPER_ARM + _FOREARM)

        def fits(lean: float) -> bool:
            s = _add(hip, _rotate(_SHOULDER, lean))
            f = _add(hip, _rotate(_FAR_SHOULDER, lean))
            return _dist(s, pose.hand) <= limit and _dist(f, pose.far_hand) <= limit

        lo = pose.lean
        if fits(lo):
            return lo
        hi = _MAX_LEAN
        if not fits(hi):
            return hi
        for _ in range(30):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if fits(mid) else (mid, hi)
        return hi

    def geometry(self, t: float) -> Geometry:
        """Everything drawn at ``t`` (seconds), in design units."""
        pose = self._timeline.pose(t)
        state = self._state(t)
        baby = self._baby_at(pose.carry, pose.tilt, t)
        lean = self._lean(pose)
        hip = self.layout.hip
        action = self._timeline.action(t)
        held = toy_in_hand(action, t)
        toy = pose.hand if held else self._toy_at(toy_side(self.script, t), t, baby)
        talking = 0.0
        if any(a <= t < b for a, b in self._speech) or any(a <= t < b for a, b in self._talk):
            talking = 0.5 + 0.5 * math.sin(2 * math.pi * 3.3 * t) * math.sin(2 * math.pi * 0.9 * t + 1.0)
        return Geometry(
            t=t, pose=pose, lean=lean,
            shoulder=_add(hip, _rotate(_SHOULDER, lean)),
            far_shoulder=_add(hip, _rotate(_FAR_SHOULDER, lean)),
            head=_add(hip, _rotate(_HEAD, lean)),
            baby=baby, state=state, toy=toy, toy_held_by_parent=held, parent_talking=talking,
        )

    # -- geometry in pixels (for tests and the review) -----------------------------------

    def _px(self, p: Point) -> tuple[float, float]:
        return (p[0] * self.scale, p[1] * self.scale)

    def hand_position(self, t: float) -> tuple[float, float]:
        """Centre of the parent's near hand at ``t``, in pixels."""
        g = self.geometry(t)
        _, hand = _elbow(g.shoulder, g.pose.hand)
        return self._px(hand)

    @property
    def hand_radius(self) -> float:
        """Radius of the parent's hands, in pixels."""
        return HAND_RADIUS * self.scale

    def _box(self, pts: list[Point]) -> tuple[float, float, float, float]:
        xs = [p[0] * self.scale for p in pts]
        ys = [p[1] * self.scale for p in pts]
        return (min(xs), min(ys), max(xs), max(ys))

    def baby_box(self, t: float) -> tuple[float, float, float, float]:
        """``x1, y1, x2, y2`` around the baby's body and head at ``t``, in pixels."""
        return self._box(self.geometry(t).baby.outline())

    def baby_head_box(self, t: float) -> tuple[float, float, float, float]:
        """``x1, y1, x2, y2`` around the baby's head at ``t``, in pixels."""
        b = self.geometry(t).baby
        hx, hy = BabyFrame.HEAD_CENTRE
        r = BabyFrame.HEAD_RADIUS
        return self._box([b.world((hx + dx * r, hy + dy * r)) for dx in (-1, 1) for dy in (-1, 1)])

    def parent_head_box(self, t: float) -> tuple[float, float, float, float]:
        """``x1, y1, x2, y2`` around the parent's head and hair at ``t``, in pixels."""
        hx, hy = self.geometry(t).head
        r = _HEAD_RADIUS + 14
        return self._box([(hx - r, hy - r), (hx + r, hy + r + 30)])

    def tears_visible(self, t: float) -> bool:
        """Whether tears are drawn at ``t`` (only while a crying event goes on)."""
        s = self._state(t)
        return s.crying and s.crying_level > 0.05

    # -- drawing ------------------------------------------------------------------------

    def draw(self, t: float) -> np.ndarray:
        """The frame at ``t`` seconds: ``(h, w, 3)`` BGR ``uint8``."""
        g = self.geometry(t)
        img = self._background.copy()
        pen = Pen(img, self.scale)
        pal = self.palette
        if self.script.scene.partner:
            self._partner(pen)
        if not g.pose.phone:
            self._far_arm(pen, g)
        self._legs(pen, g)
        self._torso(pen, g)
        self._parent_head(pen, g)
        if g.pose.phone:
            self._far_arm(pen, g)
        self._baby(pen, g)
        if self._foreground is not None:
            self._foreground.apply(img)
        if not g.toy_held_by_parent:
            self._toy(pen, g.toy)
        self._near_arm(pen, g)
        if g.toy_held_by_parent:
            self._toy(pen, g.toy, held=True)
        self._label(pen, pal)
        return img

    # the other parent (background, static)

    def _partner(self, pen: Pen) -> None:
        """A second adult standing at the left, arms folded, facing the baby.

        Drawn before the parent, so the parent in front covers it where they overlap.
        Its skin is a darker shade of the parent's and no hand is drawn, so the parent's
        hands stay the only discs of the parent's skin colour in the picture.
        """
        pal = self.palette
        skin = _shade(pal.parent_skin, 0.55)
        shirt = _shade(pal.parent_trousers, 1.6)
        hx, hy = 112.0, self.layout.floor_y - 64.0
        for dx in (-7, 7):
            pen.limb((hx + dx, hy), (hx + dx + 2, self.layout.floor_y - 2), 20, _shade(pal.parent_trousers, 0.8))
        pen.polygon([(hx - 22, hy + 4), (hx + 22, hy + 4), (hx + 25, hy - 66), (hx + 17, hy - 88),
                     (hx - 17, hy - 88), (hx - 25, hy - 66)], shirt)
        pen.rect((hx - 6, hy - 100), (hx + 6, hy - 84), skin, 3)  # neck
        pen.limb((hx - 20, hy - 60), (hx + 18, hy - 52), 16, _shade(shirt, 0.8))  # folded arms
        pen.limb((hx + 20, hy - 62), (hx - 16, hy - 48), 16, _shade(shirt, 0.9))
        head = (hx + 2, hy - 116)
        pen.circle(head, 23, skin)
        pen.ellipse((head[0] - 3, head[1] - 8), (24, 16), (35, 35, 40), start=180, end=360)
        for ex in (head[0] + 6, head[0] + 16):
            pen.circle((ex, head[1] - 2), 2.4, pal.eye)
        pen.ellipse((head[0] + 10, head[1] + 10), (5, 3), pal.mouth, start=20, end=160, thickness=2)

    # parent

    def _legs(self, pen: Pen, g: Geometry) -> None:
        pal, (hx, hy) = self.palette, self.layout.hip
        trousers, shoe = pal.parent_trousers, (60, 60, 70)
        floor = self.layout.floor_y + 48
        posture = self.layout.posture
        for dx, shade in ((-6, 0.85), (6, 1.0)):
            c = _shade(trousers, shade)
            if posture == "standing":
                knee = (hx + dx + 4, hy + 60)
                foot = (hx + dx, floor)
                pen.limb((hx + dx, hy), knee, 22, c)
                pen.limb(knee, foot, 20, c)
                pen.rect((foot[0] - 8, foot[1] - 4), (foot[0] + 20, foot[1] + 6), shoe, 4)
            elif posture == "seated":
                knee = (hx + 52 + dx * 0.3, hy + 4)
                foot = (knee[0] + 4, floor - 6)
                pen.limb((hx + dx * 0.3, hy), knee, 22, c)
                pen.limb(knee, foot, 19, c)
                pen.rect((foot[0] - 6, foot[1] - 4), (foot[0] + 20, foot[1] + 6), shoe, 4)
            else:  # kneeling
                knee = (hx + 30 + dx * 0.5, hy + 40)
                foot = (hx - 34 + dx * 0.5, hy + 46)
                pen.limb((hx + dx * 0.3, hy), knee, 22, c)
                pen.limb(knee, foot, 18, c)

    def _torso(self, pen: Pen, g: Geometry) -> None:
        pal = self.palette
        with pen.frame(self.layout.hip, g.lean):
            pen.polygon([(-21, 4), (21, 4), (25, -66), (17, -88), (-15, -88), (-23, -66)], pal.parent_shirt)
            pen.line((-8, -88), (14, -88), _shade(pal.parent_shirt, 0.8), 3)
            pen.rect((-1, -100), (11, -84), _shade(pal.parent_skin, 0.9), 3)  # neck

    def _parent_head(self, pen: Pen, g: Geometry) -> None:
        pal = self.palette
        fx = 1.0 - 2.0 * g.pose.look_away  # 1: faces the baby, -1: turned away
        back = -1.0 if fx >= 0 else 1.0
        with pen.frame(g.head, g.lean * 0.4):
            if pal.hair_style == "long":
                pen.ellipse((back * 14, 12), (15, 30), pal.parent_hair)
            pen.circle((0, 0), _HEAD_RADIUS, pal.parent_skin)
            pen.circle((back * 4, 2), 5, _shade(pal.parent_skin, 0.85))  # ear
            pen.ellipse((back * 5, -8), (25, 17), pal.parent_hair, start=180, end=360)
            pen.ellipse((back * 14, -4), (12, 15), pal.parent_hair)
            if pal.hair_style == "bun":
                pen.circle((back * 16, -22), 10, pal.parent_hair)
            # face (three-quarter view towards fx)
            cx = 8.0 * fx
            for ex in (cx - 5.0, cx + 7.0):
                pen.circle((ex, -3), 2.6, pal.eye)
            pen.circle((cx + 16 * fx, 3), 3.2, _shade(pal.parent_skin, 0.9))  # nose
            if g.parent_talking > 0:
                pen.ellipse((cx + 3, 11), (5, 1.5 + 3.5 * g.parent_talking), pal.mouth)
            else:
                pen.ellipse((cx + 3, 9), (6, 4), pal.mouth, start=20, end=160, thickness=2)

    def _arm(self, pen: Pen, shoulder: Point, hand: Point, sleeve: Color) -> Point:
        elbow, hand = _elbow(shoulder, hand)
        wrist = _toward(elbow, hand, _dist(elbow, hand) - HAND_RADIUS * 0.6)
        edge = _shade(sleeve, 0.7)
        pen.limb(shoulder, elbow, 17, edge)
        pen.limb(elbow, wrist, 14, edge)
        pen.limb(shoulder, elbow, 14, sleeve)
        pen.limb(elbow, wrist, 11, sleeve)
        pen.circle(hand, HAND_RADIUS, self.palette.parent_skin)
        return hand

    def _far_arm(self, pen: Pen, g: Geometry) -> None:
        hand = self._arm(pen, g.far_shoulder, g.pose.far_hand, _shade(self.palette.parent_shirt, 0.8))
        if g.pose.phone:  # a phone in front of the hand, its screen lit
            with pen.frame(hand, -15):
                pen.rect((-7, -14), (7, 10), (50, 50, 50), 3)
                pen.rect((-5, -11), (5, 7), (245, 225, 190), 1)

    def _near_arm(self, pen: Pen, g: Geometry) -> None:
        hand = self._arm(pen, g.shoulder, g.pose.hand, self.palette.parent_shirt)
        if g.pose.prop == "washcloth":
            pen.rect((hand[0] - 10, hand[1] + 2), (hand[0] + 10, hand[1] + 12), (200, 240, 250), 3)
        elif g.pose.prop == "bottle":
            mouth = g.baby.world(BabyFrame.MOUTH)
            ang = math.degrees(math.atan2(mouth[1] - hand[1], mouth[0] - hand[0]))
            with pen.frame(hand, ang):
                pen.rect((-14, -7), (22, 7), (245, 250, 250), 4)
                pen.rect((-14, 1), (22, 7), (235, 245, 250), 2)  # milk
                pen.rect((22, -5), (27, 5), (120, 190, 240), 1)
                pen.ellipse((31, 0), (6, 3.5), (140, 200, 235))
            pen.circle(hand, HAND_RADIUS, self.palette.parent_skin)

    # baby

    def _baby(self, pen: Pen, g: Geometry) -> None:
        pal, s, t = self.palette, g.state, g.t
        clothes = pal.baby_clothes
        near_angle, far_angle = _near_arm_angle(s, t), _far_arm_angle(s, t)
        with pen.frame(g.baby.seat, g.baby.angle):
            # legs and feet, towards the parent
            for (lx, ly), shade in (((-12, -8), 0.9), ((-16, -1), 1.0)):
                pen.ellipse((lx, ly), (17, 8), _shade(clothes, shade))
                pen.circle((lx - 17, ly), 5.5, pal.baby_skin)
            self._baby_arm(pen, BabyFrame.FAR_SHOULDER, far_angle, _shade(clothes, 0.88))
            bx, by = BabyFrame.BODY_AXES
            pen.ellipse(BabyFrame.BODY_CENTRE, (bx + 1.2, by + 1.2), _shade(clothes, 0.8))
            pen.ellipse(BabyFrame.BODY_CENTRE, BabyFrame.BODY_AXES, clothes)
            pen.circle((4, -24), 6, _shade(clothes, 0.9))  # a patch on the onesie
            self._baby_head(pen, g)
            self._baby_arm(pen, BabyFrame.NEAR_SHOULDER, near_angle, clothes)

    def _baby_arm(self, pen: Pen, shoulder: Point, angle: float, sleeve: Color) -> None:
        hand = _baby_arm_end(shoulder, angle)
        pen.limb(shoulder, _toward(shoulder, hand, BabyFrame.ARM_LENGTH - 4), 10, sleeve)
        pen.circle(hand, 5.5, self.palette.baby_skin)

    def _baby_head(self, pen: Pen, g: Geometry) -> None:
        pal, s, t = self.palette, g.state, g.t
        hx, hy = BabyFrame.HEAD_CENTRE
        r = BabyFrame.HEAD_RADIUS
        looking_down = 4.0 * (s.arms_level if s.arms == "playing" else 0.0)
        fx = -0.6 + 1.6 * s.averted  # -0.6: towards the parent, 1: turned away
        with pen.frame((hx, hy), 12.0 * s.averted):
            pen.circle((0, 0), r + 1.2, _shade(pal.baby_skin, 0.82))
            pen.circle((0, 0), r, pal.baby_skin)
            pen.circle((-fx * 9, 0), 4.5, _shade(pal.baby_skin, 0.92))  # ear on the far side
            pen.ellipse((-fx * 3, -r + 3), (10, 5), pal.baby_hair, start=180, end=360)
            pen.ellipse((-fx * 3 + 3, -r + 1), (4, 4), pal.baby_hair, start=90, end=330, thickness=2)
            cx = fx * 8.0
            ey = -3.0 + looking_down
            expr = s.expression if s.expression_level >= 0.35 else "neutral"
            if s.talking and expr == "neutral":
                expr = "babbling"
            if expr == "crying":
                for ex, d in ((cx - 6, 1), (cx + 6, -1)):
                    pen.polyline([(ex - 3.5 * d, ey - 2), (ex + 0.5 * d, ey), (ex - 3.5 * d, ey + 2)], pal.eye, 1.6)
                    pen.line((ex - 4, ey - 7 + 2 * d), (ex + 4, ey - 7 - 2 * d), _shade(pal.baby_hair, 0.9), 1.4)
                open_ = 5.0 + 1.5 * math.sin(2 * math.pi * 2.6 * t)
                pen.ellipse((cx, 10), (6.5, open_), pal.mouth)
                pen.ellipse((cx, 10 + open_ * 0.45), (3.5, open_ * 0.35), (150, 140, 230))
            else:
                happy = expr == "smiling"
                for ex in (cx - 6, cx + 6):
                    if happy:
                        pen.ellipse((ex, ey + 1), (3, 2.5), pal.eye, start=180, end=360, thickness=1.6)
                    else:
                        pen.circle((ex, ey), 2.4, pal.eye)
                if expr == "fussing":
                    for ex, d in ((cx - 6, 1), (cx + 6, -1)):
                        pen.line((ex - 3.5, ey - 6 - 1.5 * d), (ex + 3.5, ey - 6 + 1.5 * d),
                                 _shade(pal.baby_hair, 0.9), 1.3)
                    wob = 1.0 * math.sin(2 * math.pi * 2.0 * t)
                    pen.ellipse((cx, 12 + wob), (5, 3), pal.mouth, start=200, end=340, thickness=1.8)
                elif happy:
                    pen.ellipse((cx, 7), (7, 5.5), pal.mouth, start=0, end=180)
                    for ex in (cx - 11, cx + 11):
                        pen.circle((ex, 5), 3.5, pal.blush)
                elif expr == "babbling":
                    open_ = 1.2 + 2.3 * abs(math.sin(2 * math.pi * 2.8 * t))
                    pen.ellipse((cx, 9), (3.2, open_), pal.mouth)
                else:
                    pen.ellipse((cx, 7), (4, 2.5), pal.mouth, start=20, end=160, thickness=1.6)
            if self.tears_visible(t):
                for k, ex in enumerate((cx - 7, cx + 7)):
                    for j in range(2):
                        u = ((t * 1.3 + 0.5 * j + 0.3 * k) % 1.0)
                        pen.ellipse((ex, ey + 4 + 14 * u), (2.2, 3.2), pal.tear)
                    pen.line((ex, ey + 3), (ex, ey + 6 + 10 * ((t * 1.3) % 1.0)), pal.tear, 1.5)
        self._baby_marks(pen, g, expr_marks=s.expression if s.expression_level >= 0.35 else "neutral")

    def _baby_marks(self, pen: Pen, g: Geometry, expr_marks: str) -> None:
        """Small sound marks next to the head: speech arcs (babbling), zigzags (fussing)."""
        s, t = g.state, g.t
        hx, hy = BabyFrame.HEAD_CENTRE
        ink = (120, 110, 100)
        facing = -1.0 if s.averted < 0.5 else 1.0
        if expr_marks == "babbling" or s.talking:
            for k in range(3):
                phase = (t * 1.5 + k / 3) % 1.0
                rad = 6 + 10 * phase
                pen.ellipse((hx + facing * 24, hy + 6), (rad, rad), ink, start=(150 if facing < 0 else -30),
                            end=(210 if facing < 0 else 30), thickness=1.5)
        elif expr_marks == "fussing":
            x0, y0 = hx - facing * 26, hy - 22
            jig = 1.5 * math.sin(2 * math.pi * 3 * t)
            pen.polyline([(x0, y0), (x0 + 4, y0 - 5 + jig), (x0 + 8, y0), (x0 + 12, y0 - 5 - jig)], ink, 1.5)
        elif expr_marks == "crying":
            for k in (-1, 1):
                x0 = hx + facing * 26
                pen.line((x0, hy + 4 + 7 * k), (x0 + facing * 8, hy + 4 + 11 * k), ink, 1.5)

    # toy and label

    def _toy(self, pen: Pen, at: Point, held: bool = False) -> None:
        """The toy; ``at`` is where a hand grips it (a held toy sits above the hand)."""
        if self.layout.toy == "duck":
            with pen.frame(at if not held else (at[0], at[1] - 12)):
                pen.ellipse((0, 0), (12, 8), (60, 215, 250))
                pen.circle((-8, -9), 6.5, (60, 215, 250))
                pen.polygon([(-14, -10), (-20, -8), (-14, -6)], (40, 140, 250))
                pen.circle((-9, -11), 1.4, (40, 40, 40))
            return
        with pen.frame(at, 20):
            pen.limb((0, 4), (0, -12), 5, (80, 210, 250))
            pen.circle((0, -19), 8, (80, 80, 225))
            pen.circle((-3, -21), 2, (220, 220, 255))

    def _label(self, pen: Pen, pal: Palette) -> None:
        x1, y1, x2, y2 = 438, 8, 632, 28
        region = pen.image[int(y1 * self.scale):int(y2 * self.scale), int(x1 * self.scale):int(x2 * self.scale)]
        region[...] = (region.astype(np.uint16) * 2 // 5 + 60).astype(np.uint8)
        pen.text(LABEL, (x1 + 8, y2 - 6), (255, 255, 255), size=0.45, thickness=1)


# -- helpers ----------------------------------------------------------------------------


def _toward(a: Point, b: Point, length: float) -> Point:
    d = _dist(a, b)
    if d <= length or d == 0:
        return b
    return (a[0] + (b[0] - a[0]) * length / d, a[1] + (b[1] - a[1]) * length / d)


def _baby_arm_end(shoulder: Point, angle: float) -> Point:
    a = math.radians(angle)
    return (shoulder[0] + BabyFrame.ARM_LENGTH * math.cos(a), shoulder[1] + BabyFrame.ARM_LENGTH * math.sin(a))


def _angle_to(shoulder: Point, target: Point) -> float:
    return math.degrees(math.atan2(target[1] - shoulder[1], target[0] - shoulder[0])) % 360.0


def _near_arm_angle(s: BabyState, t: float) -> float:
    """The near arm's direction (degrees, clockwise from +x; 90 is down, 180 towards the parent)."""
    rest = 100.0 + 4.0 * math.sin(2 * math.pi * 0.4 * t)
    target = {
        "reaching": 205.0 + 5.0 * math.sin(2 * math.pi * 1.1 * t),
        "playing": _angle_to(BabyFrame.NEAR_SHOULDER, BabyFrame.TOY_HOLD) + 12.0 * math.sin(2 * math.pi * 2.5 * t),
        "flail": 235.0 + 35.0 * math.sin(2 * math.pi * 1.6 * t),
        "fuss": 135.0 + 25.0 * math.sin(2 * math.pi * 1.2 * t),
    }.get(s.arms, rest)
    return rest + (target - rest) * s.arms_level


def _far_arm_angle(s: BabyState, t: float) -> float:
    rest = 80.0 - 4.0 * math.sin(2 * math.pi * 0.4 * t)
    target = {
        "reaching": 205.0 + 5.0 * math.sin(2 * math.pi * 1.1 * t + 0.8),
        "playing": _angle_to(BabyFrame.FAR_SHOULDER, BabyFrame.TOY_HOLD) - 8.0 * math.sin(2 * math.pi * 2.5 * t),
        "flail": -55.0 - 35.0 * math.sin(2 * math.pi * 1.6 * t + 1.0),
        "fuss": 45.0 - 25.0 * math.sin(2 * math.pi * 1.2 * t + 1.0),
    }.get(s.arms, rest)
    return rest + (target - rest) * s.arms_level


@lru_cache(maxsize=64)
def _cached_state(events, t: float) -> BabyState:
    return baby_state(events, t)
