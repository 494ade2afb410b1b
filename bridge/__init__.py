"""The DAW bridge: regenerate regions of a file as takes beside it, in its exact format and
bit-identical outside the regions, with the settings of every take recorded so it can be made
again; clips of an exact number of bars that loop seamlessly; and the DAW scripts, OSC and MIDI
controls that call it.

    from soundloom.bridge.regen import regen, again, next_variation, generate_clip

Never imports torch or Qt.
"""
