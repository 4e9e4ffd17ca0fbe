"""Synthetic sample clips: scenario scripts rendered as simple 2D drawings.

Real family footage can never ship with the kit, so its practice clips are
drawn: a parent and a baby in a bath, at a high chair, on a play mat or at a
changing table, doing exactly what a scenario script says and when
(``sample_cases/SCRIPT_FORMAT.md``).

Modules (one idea each):

``script``     load and validate a script (:func:`load_script`, :func:`load_scripts`);
               the one parser of the format, also used by ``oefenkit init``
               (:mod:`oefenkit.cases`)
``motion``     the script turned into poses over time (baby signals, parent actions)
``backdrop``   colours, layout per setting, the still room
``pen``        drawing primitives on OpenCV in a movable coordinate frame
``scene``      one frame at time ``t``, and the geometry tests compare pixels with
``subtitles``  WebVTT from the ``say`` texts
``voice``      optional Dutch voice track from espeak-ng
``encode``     reproducible H.264 MP4 (PyAV, libx264)
``render``     script → clip files, manifest, and the up-to-date check

Only the script API is exported here, so importing the package (or
``oefenkit.samples.script``) never loads OpenCV or PyAV. Import the drawing
and encoding modules directly: ``from oefenkit.samples.render import
render_case``, ``from oefenkit.samples.scene import Scene``.
"""

from .script import CaseScript, Event, ExpertScore, SceneSpec, VignetteLine, load_script, load_scripts

__all__ = [
    "CaseScript",
    "Event",
    "SceneSpec",
    "VignetteLine",
    "ExpertScore",
    "load_script",
    "load_scripts",
]
