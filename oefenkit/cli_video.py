"""The video commands of ``oefenkit``: ``anonymise`` (a clip of one's own), ``cases upload`` and
``cases anonymise`` (the case library) and ``samples render`` (the synthetic sample clips).

The video modules (OpenCV, PyAV, the face model) are imported inside the commands, not here: the
CLI imports this module for its parser, and ``oefenkit.video.pipeline`` alone takes ≈ 0.8 s to
import, which every other command (``users list``, ``certificates verify``) would pay.
"""

from __future__ import annotations

import secrets
import shutil
import sys
from pathlib import Path

from .cli_common import _kit
from .errors import ValidationError, VideoError
from .identity import SYSTEM

__all__ = ["add_case_video_parsers", "add_video_parsers"]


def cmd_cases_upload(args) -> int:
    kit = _kit(args)
    source = Path(args.file)
    if not source.is_file():
        raise ValidationError(f"Het bestand {args.file} bestaat niet.")
    if source.stat().st_size > kit.media.upload_max_bytes:
        raise ValidationError(kit.media.too_large_message())
    # The library moves what it is given: hand it a copy, never the person's own file.
    part = kit.media.media_path("uploads") / f"{secrets.token_hex(16)}.part"
    try:
        shutil.copyfile(source, part)
        item = kit.library.add_library_clip(SYSTEM, part, source.name, title=args.title, programme_code=args.programme)
    finally:
        part.unlink(missing_ok=True)
    print(f"Opgeslagen als casus {item.case_code} ({item.title}); nog niet gepubliceerd. "
          f"Anonimiseer met: oefenkit cases anonymise {item.case_code}")
    return 0


def cmd_cases_anonymise(args) -> int:
    from tqdm import tqdm  # with the video modules: only when a video command runs (module docstring)

    kit = _kit(args)
    bar_format = "{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}"
    with tqdm(total=1.0, bar_format=bar_format, file=sys.stderr, disable=args.quiet, leave=False) as bar:
        def progress(fraction: float, label: str) -> None:
            bar.set_description_str(label, refresh=False)
            bar.update(fraction - bar.n)

        item = kit.library_media.anonymise_library_clip(SYSTEM, args.code, keep_audio=args.keep_audio, progress=progress)
    print(f"Casus {item.case_code} is geanonimiseerd. Contactvel: {kit.library_media.find_contact_sheet(SYSTEM, item.case_code)}")
    if item.review:
        print(f"Kijk deze {len(item.review)} momenten na voordat de casus wordt gepubliceerd:")
        for flagged in item.review[:20]:
            print(f"  beeld {flagged.frame} ({flagged.time_s:.1f} s): {flagged.reason}")
    return 0


def cmd_anonymise(args) -> int:
    from tqdm import tqdm  # with the video modules: only when a video command runs (module docstring)

    from .video.anonymiser import MaskingOptions
    from .video.encode import EncoderSettings, check_output_path
    from .video.mask import load_manual_masks
    from .video.pipeline import AnonymiseOptions, anonymise
    from .video.review import write_contact_sheet

    out = check_output_path(args.input, args.output)
    if out.exists() and not args.overwrite:
        raise VideoError(f"{args.output} bestaat al; gebruik --overwrite om het te vervangen.")
    masks = load_manual_masks(args.masks) if args.masks else ()
    options = AnonymiseOptions(
        masking=MaskingOptions(style=args.style, manual_masks=masks, detect_every=args.detect_every,
                               max_gap=max(12, 4 * args.detect_every)),
        keep_audio=args.keep_audio,
        encoder=EncoderSettings(preset=args.preset, crf=args.crf),
    )
    bar_format = "{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}"
    with tqdm(total=1.0, bar_format=bar_format, file=sys.stderr, disable=args.quiet, leave=False) as bar:
        def progress(fraction: float, label: str) -> None:
            bar.set_description_str(label, refresh=False)
            bar.update(fraction - bar.n)

        result = anonymise(args.input, args.output, options, progress=progress)
    info = result.output
    sound = "behouden" if info.has_audio else "verwijderd"
    print(f"Opgeslagen: {args.output} ({result.frames} beelden, {info.width}×{info.height}, "
          f"{info.duration:.1f} s, geluid {sound}, {result.fps:.1f} beelden/s).")
    flagged = result.review.flagged
    if flagged:
        print(f"Kijk deze {len(flagged)} momenten na voordat de clip wordt gebruikt:")
        for item in flagged[:20]:
            print(f"  beeld {item.index}: {item.text}")
        if len(flagged) > 20:
            print(f"  ... en nog {len(flagged) - 20}.")
    else:
        print("Geen twijfelachtige momenten gevonden; kijk de clip toch na voordat hij wordt gebruikt.")
    if args.contact_sheet:
        if result.contact_sheet is None:
            raise VideoError("Er zijn geen beelden voor het contactvel.")
        write_contact_sheet(args.contact_sheet, result.contact_sheet)
        print(f"Contactvel opgeslagen: {Path(args.contact_sheet)}.")
    return 0


def cmd_samples_render(args) -> int:
    from .samples.render import CLIPS_DIR, SCRIPTS_DIR, SIZE_BUDGET, RenderOptions, check_clips, render_all
    from .samples.script import load_script, load_scripts

    complete = not args.scripts  # all scripts: the manifest must list exactly these
    scripts = [load_script(p) for p in args.scripts] if args.scripts else load_scripts(SCRIPTS_DIR)
    if not scripts:
        print(f"Geen scenario's gevonden in {SCRIPTS_DIR}.", file=sys.stderr)
        return 1
    out = Path(args.out) if args.out else CLIPS_DIR
    options = RenderOptions(voice=args.voice)
    if args.check:
        problems = check_clips(scripts, out, options, complete=complete)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"De fragmenten in {out} zijn niet actueel; maak ze opnieuw met 'oefenkit samples render'.",
                  file=sys.stderr)
            return 1
        print(f"Alle {len(scripts)} fragmenten in {out} zijn actueel en gelijk aan een nieuwe weergave.")
        return 0

    def report(r) -> None:
        sound = ", met stem" if r.voice else ""
        print(f"{r.code}: {r.duration:g} s, {r.frames} beelden, {r.bytes / 1024:.0f} kB{sound} "
              f"({r.seconds:.1f} s)")
        for message in r.messages:
            print(f"  {message}", file=sys.stderr)

    results = render_all(scripts, out, options, complete=complete, progress=report)
    total = sum(r.bytes for r in results)
    print(f"{len(results)} fragment(en) in {out}: samen {total / 2**20:.1f} MB, "
          f"{sum(r.seconds for r in results):.1f} s rekentijd.")
    if total > SIZE_BUDGET:
        print(f"Let op: samen groter dan {SIZE_BUDGET // 2**20} MB.", file=sys.stderr)
    return 0


def add_case_video_parsers(csub) -> None:
    """``cases upload`` and ``cases anonymise``."""
    p = csub.add_parser(
        "upload", help="zet een videofragment in de casusbibliotheek (nog niet gepubliceerd)",
        description="Kopieert BESTAND naar de beveiligde opslag van de casusbibliotheek en maakt er een nieuwe, "
                    "nog onzichtbare casus van. Het origineel wordt nooit aan cursisten getoond.")
    p.add_argument("file", metavar="BESTAND", help="de originele video (wordt niet gewijzigd)")
    p.add_argument("--title", help="titel van de casus (standaard: de bestandsnaam)")
    p.add_argument("--programme", metavar="PROGRAMMA", help="programmacode, bijvoorbeeld ouder-baby")
    p.set_defaults(func=cmd_cases_upload)
    p = csub.add_parser(
        "anonymise", help="anonimiseer een geüpload fragment (gezichten maskeren, contactvel maken)",
        description="Maakt de gezichten in het origineel van CASUS onherkenbaar en slaat de veilige MP4 en een "
                    "contactvel met de na te kijken beelden op. Handmatige maskers uit de app blijven gelden.")
    p.add_argument("code", metavar="CASUS", help="casuscode, bijvoorbeeld upl-20261129-001")
    p.add_argument("--keep-audio", action="store_true",
                   help="behoud het geluid (stemmen zijn herkenbaar: alleen als de trainer dat wil)")
    p.add_argument("--quiet", action="store_true", help="geen voortgangsbalk")
    p.set_defaults(func=cmd_cases_anonymise)


def add_video_parsers(sub) -> None:
    """``anonymise`` and ``samples render``."""
    p = sub.add_parser(
        "anonymise", help="maak gezichten in een video onherkenbaar en sla een veilige MP4 op",
        description="Zoekt gezichten in IN, maakt ze onherkenbaar (ook handmatige maskers uit een JSON-bestand) "
                    "en schrijft UIT als H.264-MP4 die in elke browser speelt: rechtop gedraaid, zonder "
                    "metadata (geen locatie, datum of toestel) en zonder geluid, tenzij --keep-audio. "
                    "Bij een fout of afbreken blijft er geen half bestand achter.")
    p.add_argument("input", metavar="IN", help="de originele video (wordt alleen gelezen)")
    p.add_argument("output", metavar="UIT", help="het nieuwe MP4-bestand")
    p.add_argument("--keep-audio", action="store_true",
                   help="behoud het geluid (stemmen zijn herkenbaar: alleen als de trainer dat wil)")
    p.add_argument("--masks", metavar="MASKERS.json", help="handmatige maskers (rechthoeken met begin- en eindtijd)")
    p.add_argument("--style", choices=("solid", "mosaic"), default="solid",
                   help="zwarte vlakken (solid, standaard) of grove blokken (mosaic)")
    p.add_argument("--detect-every", type=int, default=1, metavar="N",
                   help="zoek gezichten op elk N-de beeld (standaard 1: elk beeld; hoger is sneller)")
    p.add_argument("--crf", type=int, default=23, metavar="KWALITEIT",
                   help="beeldkwaliteit 0-51, lager is beter en groter (standaard 23)")
    p.add_argument("--preset", default="veryfast", metavar="SNELHEID",
                   help="x264-snelheid, bijvoorbeeld veryfast (standaard), medium of slow")
    p.add_argument("--contact-sheet", metavar="VEL.png", help="sla een contactvel met de na te kijken beelden op")
    p.add_argument("--overwrite", action="store_true", help="vervang UIT als het al bestaat")
    p.add_argument("--quiet", action="store_true", help="geen voortgangsbalk")
    p.set_defaults(func=cmd_anonymise)

    samples = sub.add_parser("samples", help="synthetische oefenfragmenten maken uit scenario's")
    # (the sub-parsers are DutchParser too: argparse takes the class of the parser they hang under)
    ssub = samples.add_subparsers(dest="samples_command", title="opdrachten", metavar="OPDRACHT")
    ssub.required = True
    p = ssub.add_parser(
        "render", help="maak de fragmenten (MP4 met ondertitels) uit de scenario's",
        description="Tekent elk scenario uit sample_cases/scripts als eenvoudig, duidelijk synthetisch "
                    "fragment en slaat het op als H.264-MP4 met Nederlandse ondertitels (WebVTT), plus "
                    "manifest.json. Hetzelfde scenario geeft altijd precies hetzelfde bestand.")
    p.add_argument("scripts", nargs="*", metavar="SCENARIO",
                   help="scenariobestanden (standaard: alle in sample_cases/scripts)")
    p.add_argument("--out", metavar="MAP", help="uitvoermap (standaard sample_cases/clips)")
    p.add_argument("--voice", action="store_true",
                   help="voeg een Nederlandse stem toe met espeak-ng (overgeslagen als het ontbreekt)")
    p.add_argument("--check", action="store_true",
                   help="maak niets, maar controleer of de fragmenten in de map actueel en identiek zijn")
    p.set_defaults(func=cmd_samples_render)
