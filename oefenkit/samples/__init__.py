"""Synthetic sample clips: scenario scripts rendered as simple 2D drawings.

Real family footage can never ship with the kit, so its practice clips are
drawn: a parent and a baby in a bath, at a high chair, on a play mat or at a
changing table, doing exactly what a scenario script says and when
(``sample_cases/SCRIPT_FORMAT.md``).

Modules (one idea each):

``script``     load and validate a script (:func:`load_script`, :func:`load_scripts`)
``motion``     the script turned into poses over time (baby signals, parent actions)
``backdrop``   colours, layout per setting, the still room
``pen``        drawing primitives on OpenCV in a movable coordinate frame
``scene``      one frame at time ``t``, and the geometry tests compare pixels with
``subtitles``  WebVTT from the ``say`` texts
``voice``      optional Dutch voice track from espeak-ng
``encode``     reproducible H.264 MP4 (PyAV, libx264)
``render``     script → clip files, manifest, and the up-to-date check
"""

from .render import RenderOptions, RenderResult, check_clips, render_all, render_case
from .scene import Scene
from .script import CaseScript, Event, load_script, load_scripts

__all__ = [
    "CaseScript",
    "Event",
    "load_script",
    "load_scripts",
    "Scene",
    "RenderOptions",
    "RenderResult",
    "render_case",
    "render_all",
    "check_clips",
]
