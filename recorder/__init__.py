"""Recorder: camera frames into indexed video segments kept for the retention, playback, clips.

See `recorder.service` (the worker), `recorder.playback` (what the API calls) and
README.md's "Recorder" section.
"""
