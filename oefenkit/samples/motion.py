"""What the figures do at time ``t``: the script turned into poses.

The baby (:func:`baby_state`) shows the signals of the baby events that are
going on. Overlapping signals are combined per channel: the face shows the
latest-started of crying, fussing, smiling and babbling; the arms show the
latest-started of reaching and playing (otherwise crying or fussing moves
them); gaze aversion turns the head away whatever else happens. Each signal
fades in and out over at most 0.3 s *inside* its interval, and tears are drawn
only while a crying event is going on.

The parent (:class:`ParentTimeline`) does one action at a time: of the parent
events going on at ``t``, the one that started last (later in the script on a
tie). The timeline is cut into segments at every start and end; each segment
starts from the pose the previous one ended in, so the figure never jumps:

* ``reach`` moves the hand from where it was to the baby along an eased path
  and arrives exactly at ``t + duration``; afterwards the hand stays on the
  baby for :data:`HOLD_AFTER_REACH` s and then returns to rest.
* every other action blends into its own movement within
  ``min(0.5 s, 0.35 × duration)``; after the last action the parent returns
  to rest within :data:`RETURN_SECONDS`.
* ``intrusive`` and ``interrupting`` responses move faster and wider (rocking,
  stroking, washing); the other kinds differ only in when they happen, which
  the script already says.

Poses are given as *targets* in the baby's coordinates (see
:class:`BabyFrame`), so the hand touches the baby wherever the baby is.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from .backdrop import Layout
from .pen import Point
from .script import CaseScript, Event

__all__ = [
    "BabyState",
    "BabyFrame",
    "ParentPose",
    "ParentTimeline",
    "baby_state",
    "toy_side",
    "toy_in_hand",
    "ease",
    "HOLD_AFTER_REACH",
    "RETURN_SECONDS",
    "HAND_RADIUS",
]

#: Seconds the hand rests on the baby after a reach before it goes back.
HOLD_AFTER_REACH = 0.4
#: Seconds to return to rest after an action.
RETURN_SECONDS = 0.8
#: Radius of the parent's hand (design units).
HAND_RADIUS = 8.0
#: Fractions of a ``take_toy``: the hand has the toy at TAKE_GRAB and puts it down at TAKE_PUT.
TAKE_GRAB, TAKE_PUT = 0.45, 0.92
#: Fractions of an ``offer_toy``: the hand has the toy at OFFER_GRAB, holds it out to the
#: baby from OFFER_SHOW and lays it down by the baby (or in its hands) from OFFER_GIVE.
OFFER_GRAB, OFFER_SHOW, OFFER_GIVE = 0.3, 0.55, 0.85
#: The longest fade of a baby signal (seconds).
FADE_SECONDS = 0.3

_EXPRESSIONS = ("crying", "fussing", "smiling", "babbling")
_ARM_SIGNALS = ("reaching", "playing")
_VIGOROUS = ("intrusive", "interrupting")


def ease(u: float) -> float:
    """Smoothstep on [0, 1]: starts and stops gently.

    >>> ease(0.0), ease(0.5), ease(1.0), ease(2.0)
    (0.0, 0.5, 1.0, 1.0)
    """
    u = min(1.0, max(0.0, u))
    return u * u * (3.0 - 2.0 * u)


def _lerp(a: float, b: float, w: float) -> float:
    return a + (b - a) * w


def _lerp2(a: Point, b: Point, w: float) -> Point:
    return (a[0] + (b[0] - a[0]) * w, a[1] + (b[1] - a[1]) * w)


def _wave(t: float, hz: float, phase: float = 0.0) -> float:
    return math.sin(2.0 * math.pi * hz * t + phase)


# -- the baby --------------------------------------------------------------------------


@dataclass(frozen=True)
class BabyState:
    """The baby's own signals at one moment (levels 0–1)."""

    expression: str = "neutral"
    expression_level: float = 0.0
    arms: str = "rest"
    arms_level: float = 0.0
    averted: float = 0.0
    crying: bool = False
    fussing_level: float = 0.0
    crying_level: float = 0.0
    talking: bool = False
    #: Turn of the whole body (degrees) from fussing or crying.
    wiggle: float = 0.0


def _level(ev: Event, t: float) -> float:
    if not ev.active(t):
        return 0.0
    fade = min(FADE_SECONDS, ev.duration / 3.0)
    return ease(min((t - ev.t) / fade, (ev.end - t) / fade, 1.0))


def _latest(events: list[Event]) -> Event | None:
    return max(events, key=lambda e: (e.t, e.index)) if events else None


def baby_state(events: tuple[Event, ...], t: float) -> BabyState:
    """The baby's signals at ``t`` from the script's baby events (see the module docstring)."""
    active = [e for e in events if e.actor == "baby" and e.active(t)]
    expr = _latest([e for e in active if e.kind in _EXPRESSIONS])
    arms = _latest([e for e in active if e.kind in _ARM_SIGNALS])
    crying = [e for e in active if e.kind == "crying"]
    fussing = [e for e in active if e.kind == "fussing"]
    cry_level = max((_level(e, t) for e in crying), default=0.0)
    fuss_level = max((_level(e, t) for e in fussing), default=0.0)
    if arms is not None:
        arm_kind, arm_level = arms.kind, _level(arms, t)
    elif crying:
        arm_kind, arm_level = "flail", cry_level
    elif fussing:
        arm_kind, arm_level = "fuss", fuss_level
    else:
        arm_kind, arm_level = "rest", 0.0
    averted = max((_level(e, t) for e in active if e.kind == "gaze_aversion"), default=0.0)
    wiggle = 3.0 * fuss_level * _wave(t, 1.8) + 2.0 * cry_level * _wave(t, 3.1)
    talking = any(e.say and e.t <= t < e.t + max(e.duration, 2.0) for e in events if e.actor == "baby")
    return BabyState(
        expression=expr.kind if expr else "neutral",
        expression_level=_level(expr, t) if expr else 0.0,
        arms=arm_kind,
        arms_level=arm_level,
        averted=averted,
        crying=bool(crying),
        fussing_level=fuss_level,
        crying_level=cry_level,
        talking=talking,
        wiggle=wiggle,
    )


@dataclass(frozen=True)
class BabyFrame:
    """Where the baby is: its seat in the picture and its turn (degrees, clockwise).

    The baby's own coordinates have the seat at the origin, ``-y`` up and the
    face towards ``-x`` (the parent). Landmarks in those coordinates are class
    attributes.
    """

    seat: Point
    angle: float

    BODY_CENTRE = (0.0, -28.0)
    BODY_AXES = (23.0, 29.0)
    HEAD_CENTRE = (0.0, -76.0)
    HEAD_RADIUS = 21.0
    NEAR_SHOULDER = (-15.0, -48.0)
    FAR_SHOULDER = (13.0, -48.0)
    ARM_LENGTH = 24.0
    #: Where a hand touching the baby lands: the side facing the parent, under the arm.
    CONTACT = (-23.0, -34.0)
    MOUTH = (-9.0, -68.0)
    UNDER = (6.0, -4.0)
    TOY_HOLD = (-30.0, -44.0)
    OFFER = (-50.0, -40.0)

    def world(self, p: Point) -> Point:
        """A point of the baby's coordinates in the picture (design units)."""
        a = math.radians(self.angle)
        c, s = math.cos(a), math.sin(a)
        return (self.seat[0] + c * p[0] - s * p[1], self.seat[1] + s * p[0] + c * p[1])

    def touch_point(self) -> Point:
        """Centre of a parent's hand that touches the baby's side (overlapping it a little)."""
        x, y = self.CONTACT
        return self.world((x - 0.4 * HAND_RADIUS, y))

    def outline(self) -> list[Point]:
        """Points around body and head (for the bounding box)."""
        pts = []
        for k in range(16):
            a = 2 * math.pi * k / 16
            bx, by = self.BODY_CENTRE
            pts.append(self.world((bx + self.BODY_AXES[0] * math.cos(a), by + self.BODY_AXES[1] * math.sin(a))))
            hx, hy = self.HEAD_CENTRE
            pts.append(self.world((hx + self.HEAD_RADIUS * math.cos(a), hy + self.HEAD_RADIUS * math.sin(a))))
        return pts


# -- the parent ------------------------------------------------------------------------


@dataclass(frozen=True)
class ParentPose:
    """The parent at one moment: hands (design units), lean, head, what is carried."""

    hand: Point
    far_hand: Point
    lean: float = 0.0
    look_away: float = 0.0
    #: The baby's seat moved by the parent (picked up) and its extra turn (rocking).
    carry: Point = (0.0, 0.0)
    tilt: float = 0.0
    #: What the near hand holds: "washcloth", "bottle" or None (the toy has its own timeline).
    prop: str | None = None
    phone: bool = False

    def toward(self, target: ParentPose, w: float) -> ParentPose:
        """Blend to ``target`` by ``w``; a held thing appears at once and is put away at the end."""
        return ParentPose(
            hand=_lerp2(self.hand, target.hand, w),
            far_hand=_lerp2(self.far_hand, target.far_hand, w),
            lean=_lerp(self.lean, target.lean, w),
            look_away=_lerp(self.look_away, target.look_away, w),
            carry=_lerp2(self.carry, target.carry, w),
            tilt=_lerp(self.tilt, target.tilt, w),
            prop=target.prop if target.prop or w >= 1.0 else self.prop,
            phone=target.phone or (self.phone and w < 1.0),
        )


@dataclass(frozen=True)
class _Segment:
    start: float
    event: Event | None  # None: no parent action (rest)
    after: Event | None  # the event that ended at ``start`` (for the hold after a reach)


class ParentTimeline:
    """The parent's pose over the clip (see the module docstring).

    Parameters
    ----------
    script : CaseScript
    layout : Layout
        Where the parent and the baby are.
    baby_frame : callable
        ``baby_frame(carry, tilt, t) -> BabyFrame``: where the baby is at ``t``
        when the parent moves it by ``carry`` and ``tilt``.
    toy_at : callable
        ``toy_at(side, t) -> Point``: where the toy lies at ``t`` on ``side``
        (``"baby"`` or ``"parent"``, see :func:`toy_side`) when no hand holds it.
    """

    def __init__(self, script: CaseScript, layout: Layout,
                 baby_frame: Callable[[Point, float, float], BabyFrame],
                 toy_at: Callable[[str, float], Point]):
        self.script = script
        self.layout = layout
        self._baby_frame = baby_frame
        self._toy_at = toy_at
        hx, hy = layout.hip
        rest_offsets = {
            "standing": ((14.0, 30.0), (4.0, 28.0)),
            "seated": ((44.0, -6.0), (32.0, -8.0)),
            "kneeling": ((36.0, 0.0), (24.0, -2.0)),
        }[layout.posture]
        self.rest_hand = (hx + rest_offsets[0][0], hy + rest_offsets[0][1])
        self.rest_far_hand = (hx + rest_offsets[1][0], hy + rest_offsets[1][1])
        self.rest = ParentPose(self.rest_hand, self.rest_far_hand)
        self._segments = self._cut(script.parent_events)
        self._starts = [s.start for s in self._segments]
        self._start_pose: list[ParentPose] = []
        for k, seg in enumerate(self._segments):  # each segment starts where the previous ended
            if k == 0:
                self._start_pose.append(self.rest)
            else:
                self._start_pose.append(self._in_segment(k - 1, seg.start - 1e-6))

    @staticmethod
    def _cut(events: tuple[Event, ...]) -> list[_Segment]:
        marks = sorted({0.0, *(e.t for e in events), *(e.end for e in events)})
        segments: list[_Segment] = []
        previous: Event | None = None
        for m in marks:
            active = [e for e in events if e.active(m)]
            ev = _latest(active)
            if segments and ev is segments[-1].event:
                continue
            ended = previous if previous is not None and abs(previous.end - m) < 1e-9 else None
            segments.append(_Segment(m, ev, ended))
            previous = ev
        return segments

    def action(self, t: float) -> Event | None:
        """The parent event that decides the pose at ``t`` (None: resting)."""
        return self._segments[max(0, bisect.bisect_right(self._starts, t) - 1)].event

    def pose(self, t: float) -> ParentPose:
        """The parent's pose at ``t`` (seconds)."""
        return self._in_segment(max(0, bisect.bisect_right(self._starts, t) - 1), t)

    # -- segments ----------------------------------------------------------------------

    def _in_segment(self, k: int, t: float) -> ParentPose:
        seg = self._segments[k]
        before = self._start_pose[k]
        if seg.event is None:
            if seg.after is not None and seg.after.action == "reach":
                # the hand stays on the (possibly moving) baby for a moment
                hold_end = seg.start + HOLD_AFTER_REACH
                on_baby = self._baby_frame(before.carry, before.tilt, min(t, hold_end)).touch_point()
                before = replace(before, hand=on_baby)
                if t < hold_end:
                    return before
                return before.toward(self.rest, ease((t - hold_end) / RETURN_SECONDS))
            return before.toward(self.rest, ease((t - seg.start) / RETURN_SECONDS))
        ev = seg.event
        if ev.action == "reach" and abs(seg.start - ev.t) < 1e-9:
            return self._reach(ev, t, before)
        blend = min(0.5, 0.35 * ev.duration)
        w = ease((t - seg.start) / blend) if blend > 0 else 1.0
        carry, tilt = self._carry(ev, t)
        mixed_carry = _lerp2(before.carry, carry, w)
        mixed_tilt = _lerp(before.tilt, tilt, w)
        baby = self._baby_frame(mixed_carry, mixed_tilt, t)
        target = self._target(ev, t, baby, before)
        target = replace(target, carry=carry, tilt=tilt)
        return before.toward(target, w)

    def _reach(self, ev: Event, t: float, before: ParentPose) -> ParentPose:
        u = ease((t - ev.t) / ev.duration)
        carry = _lerp2(before.carry, (0.0, 0.0), u)
        tilt = _lerp(before.tilt, 0.0, u)
        baby = self._baby_frame(carry, tilt, t)
        return ParentPose(
            hand=_lerp2(before.hand, baby.touch_point(), u),
            far_hand=_lerp2(before.far_hand, self.rest_far_hand, u),
            lean=_lerp(before.lean, 8.0, u),
            look_away=_lerp(before.look_away, 0.0, u),
            carry=carry,
            tilt=tilt,
            prop=None,
            phone=before.phone and u < 1.0,
        )

    def _carry(self, ev: Event, t: float) -> tuple[Point, float]:
        """How the parent moves the baby during ``ev``: (seat offset, extra turn)."""
        vigorous = ev.kind in _VIGOROUS
        u = (t - ev.t) / ev.duration
        if ev.action == "soothe":
            amp, hz = (8.0, 1.0) if vigorous else (4.0, 0.5)
            return (0.0, 0.0), amp * _wave(t - ev.t, hz)
        if ev.action == "pick_up":
            lift = ease((u - 0.12) / 0.25) - ease((u - 0.75) / 0.2)
            home = self.layout.baby_seat
            held = (self.layout.hip[0] + self.layout.held_offset[0], self.layout.hip[1] + self.layout.held_offset[1])
            offset = ((held[0] - home[0]) * lift, (held[1] - home[1]) * lift)
            rock = (6.0 if vigorous else 3.0) * _wave(t - ev.t, 0.9 if vigorous else 0.5)
            return offset, lift * (-self.layout.baby_angle + rock)
        return (0.0, 0.0), 0.0

    def _toy_hand(self, ev: Event, t: float, u: float, baby: BabyFrame, before: ParentPose) -> Point:
        """The hand during ``offer_toy`` and ``take_toy``: fetch the toy, then bring it somewhere."""
        fetch = OFFER_GRAB if ev.action == "offer_toy" else TAKE_GRAB
        if u < fetch:
            here = self._toy_at(toy_side(self.script, t), t)
            return _lerp2(before.hand, here, ease(u / fetch))
        t_grab = ev.t + fetch * ev.duration
        grab = self._toy_at(toy_side(self.script, t_grab), t_grab)
        if ev.action == "take_toy":  # put it down by the parent
            return _lerp2(grab, self.layout.parent_toy_spot, ease((u - TAKE_GRAB) / (TAKE_PUT - TAKE_GRAB)))
        offer = baby.world(BabyFrame.OFFER)
        if u < OFFER_SHOW:  # hold it out to the baby, shaking it a little
            return _lerp2(grab, offer, ease((u - OFFER_GRAB) / 0.25))
        offer = (offer[0], offer[1] + 3.0 * _wave(t - ev.t, 2.0))
        if u < OFFER_GIVE:
            return offer
        return _lerp2(offer, self._toy_at("baby", t), ease((u - OFFER_GIVE) / (1.0 - OFFER_GIVE)))

    def _target(self, ev: Event, t: float, baby: BabyFrame, before: ParentPose) -> ParentPose:
        vigorous = ev.kind in _VIGOROUS
        s = t - ev.t
        u = s / ev.duration
        rest = self.rest
        if ev.action == "soothe":
            amp, hz = (10.0, 2.2) if vigorous else (6.0, 1.0)
            x, y = BabyFrame.CONTACT
            hand = baby.world((x - 0.4 * HAND_RADIUS, y + amp * _wave(s, hz)))
            return replace(rest, hand=hand, lean=12.0 if vigorous else 8.0)
        if ev.action == "pick_up":
            return replace(rest, hand=baby.world((-20.0, -40.0)), far_hand=baby.world(BabyFrame.UNDER), lean=6.0)
        if ev.action == "talk":
            hand = (self.rest_hand[0] + 12.0, self.rest_hand[1] - 24.0 + 4.0 * _wave(s, 1.1))
            return replace(rest, hand=hand, lean=5.0)
        if ev.action in ("offer_toy", "take_toy"):
            return replace(rest, hand=self._toy_hand(ev, t, u, baby, before), lean=6.0)
        if ev.action == "look_away":
            hx, hy = self.layout.hip
            return replace(rest, far_hand=(hx - 26.0, hy - 92.0), lean=-4.0, look_away=1.0, phone=True)
        if ev.action == "wash":
            r, hz = (10.0, 2.2) if vigorous else (6.0, 1.2)
            x, y = -16.0, -30.0
            hand = baby.world((x + r * math.cos(2 * math.pi * hz * s), y + r * math.sin(2 * math.pi * hz * s)))
            return replace(rest, hand=hand, lean=10.0, prop="washcloth")
        if ev.action == "feed":
            mouth = baby.world(BabyFrame.MOUTH)
            wobble = 1.5 * _wave(s, 0.7)
            return replace(rest, hand=(mouth[0] - 30.0, mouth[1] + 16.0 + wobble), lean=6.0, prop="bottle")
        return rest  # "none"


def toy_side(script: CaseScript, t: float) -> str:
    """Where the toy lies when no hand holds it: ``"baby"`` (by the baby) or ``"parent"`` (basket).

    The toy moves only in the parent's hand. It starts in the basket when the
    script's first toy event is an ``offer_toy``, otherwise by the baby; a
    ``take_toy`` puts it in the basket, an ``offer_toy`` ends with it by the
    baby (in its hands while it plays).
    """
    toy_events = sorted((e for e in script.events
                         if e.action in ("offer_toy", "take_toy") or (e.actor == "baby" and e.kind == "playing")),
                        key=lambda e: (e.t, e.index))
    side = "parent" if toy_events and toy_events[0].action == "offer_toy" else "baby"
    changes = []
    for e in toy_events:
        if e.action == "take_toy":
            changes.append((e.t + TAKE_PUT * e.duration, e.index, "parent"))
        elif e.action == "offer_toy":
            changes.append((e.end, e.index, "baby"))
    for when, _, new in sorted(changes):
        if when > t:
            break
        side = new
    return side


def toy_in_hand(action: Event | None, t: float) -> bool:
    """Whether the parent's hand holds the toy at ``t`` while doing ``action``."""
    if action is None or not action.active(t):
        return False
    u = (t - action.t) / action.duration
    if action.action == "take_toy":
        return TAKE_GRAB <= u < TAKE_PUT
    if action.action == "offer_toy":
        return u >= OFFER_GRAB
    return False

