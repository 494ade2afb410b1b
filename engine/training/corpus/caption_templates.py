"""Caption templates, in the words a sound designer types into a search or prompt box.

Every template set has "train" templates (the captions the model learns from) and "heldout"
templates: paraphrases whose wording appears in no training template, given only to held-out
clips, so an evaluation can ask whether the model understands a description it was never
trained on ("a punchy kick drum" in training, "thumping bass drum hit" held out).

Fields in braces are slots filled from a clip's attributes (see `captions.slots`); a template is
used only when all of its slots are known. `{a_x}` is slot `x` with "a"/"an" in front.
"""

from __future__ import annotations

TEMPLATES: dict[str, dict[str, list[str]]] = {
    # --- pitched instruments -----------------------------------------------------------------
    "instrument/note": {
        "train": [
            "{a_inst} playing {note}",
            "{a_variant} playing the note {note}",
            "{a_register} {inst} {note}",
            "{a_dyn} {inst} note",
            "{inst} {note}, {dyn}",
            "{a_length} {inst} note at {note}",
            "single {inst} note, {note}",
            "{a_dyn} {length} {variant} note",
            "{note} played on {a_inst}",
            "{a_inst} note",
            "{a_register} note on {a_variant}",
        ],
        "heldout": [
            "a lone {note} from {a_inst}",
            "{inst} sample pitched at {note}",
            "solo {inst} tone sounding {pitch_spoken}",
            "one {inst} pitch, {register}-sounding",
            "isolated {inst} tone",
        ],
    },
    "instrument/chord": {
        "train": [
            "{a_inst} playing {a_chord} chord",
            "{a_chord} chord on {inst}",
            "{a_dyn} {chord} chord on {a_variant}",
            "{inst} chord, {chord}",
            "{a_strummer} strumming {a_chord} chord",
            "{a_inst} {chord} chord strummed {strum}",
            "{a_inst} chord",
            "{a_length} {chord} chord on {inst}",
        ],
        "heldout": [
            "{chord} harmony voiced on the {inst}",
            "{inst} sounding several notes together: {chord}",
            "stacked notes forming {chord} from {a_inst}",
            "polyphonic {inst} sample",
        ],
    },
    "instrument/phrase": {
        "train": [
            "{a_inst} {phrase} in {key}",
            "{a_direction} {inst} {phrase}",
            "{a_inst} playing {a_phrase} in {key} at {bpm} bpm",
            "{count_word} {inst} notes {going}",
            "a short {inst} {phrase}",
            "{a_variant} {phrase} at {bpm} bpm",
            "{a_dyn} {inst} {phrase}",
        ],
        "heldout": [
            "{inst} line in {key}, tempo {bpm}",
            "{count_word}-note figure performed on {a_inst}",
            "brief musical passage by {a_inst}",
            "{inst} motif moving {updown}",
        ],
    },
    # --- drums ----------------------------------------------------------------------------------
    "drum/hit": {
        "train": [
            "{a_kit} {piece}",
            "{a_piece} hit",
            "{a_dyn} {piece} hit",
            "{piece} one-shot",
            "{a_kit} {piece} hit",
            "single {piece} hit",
            "{a_piece}",
            "{a_train_adj} {piece}",
        ],
        "heldout": [
            "{held_adj} {held_piece} hit",
            "isolated {held_piece} strike",
            "{held_piece} sample from {a_kit} drum set",
            "one {held_piece} stroke, {dyn}",
        ],
    },
    "drum/hits": {
        "train": [
            "{count_word} {piece} hits",
            "{piece} hit {count_word} times",
            "{count_word} {dyn} {piece} hits",
            "{count_word} {piece} hits {getting}",
            "{count_word} {piece} hits at {bpm} bpm",
            "{count_word} {kit} {piece} hits",
            "repeated {piece}, {count_word} hits",
        ],
        "heldout": [
            "{held_piece} struck {count_word} times in a row",
            "{count_word} consecutive {held_piece} strokes",
            "a sequence of {count_word} {held_adj} {held_piece} strikes",
        ],
    },
    "drum_beat": {
        "train": [
            "{a_style} beat at {bpm} bpm",
            "{a_style} drum loop, {bpm} bpm",
            "{style} drums at {bpm} bpm on {a_kit} kit",
            "{a_kit} {style} groove at {bpm} bpm",
            "{bars_word} of {style} drums at {bpm} bpm",
            "{a_style} drum beat",
            "drum loop at {bpm} bpm",
        ],
        "heldout": [
            "drummer playing a {style} pattern, tempo {bpm}",
            "{style} rhythm performed on a kit at {bpm} beats per minute",
            "percussion groove in {style} style",
        ],
    },
    # --- sound effects ------------------------------------------------------------------------
    "impact": {
        "train": [
            "{a_size} {one_vnoun}",
            "{a_one_vnoun}",
            "{a_one_vnoun2}",
            "{count_word} {vnoun} hits",
            "{a_one_size} impact",
            "impact sound effect, {vnoun}",
            "{count_word} {size} impacts",
            "impact sound",
            "a {single} impact",
            "hit impact sfx",
        ],
        "heldout": [
            "{a_one_held_noun}",
            "{held_size} {held_noun} sound",
            "{count_word} successive {held_noun} sounds",
            "collision sfx",
        ],
    },
    "explosion": {
        "train": [
            "{a_size} explosion",
            "an explosion",
            "{a_distance} explosion",
            "{a_size} blast",
            "a bomb exploding",
            "{a_distance} {size} explosion",
        ],
        "heldout": ["detonation {distance_phrase}", "boom of a {held_size} bomb going off", "blast wave rumbling"],
    },
    "whoosh": {
        "train": [
            "{a_speed} whoosh",
            "a whoosh",
            "{a_speed} whoosh passing by",
            "{a_weight} whoosh",
            "{a_vnoun}",
            "air whoosh",
            "a whoosh sound effect",
            "whooshing air",
        ],
        "heldout": ["something rushing past, {speed}", "swoosh transition", "{held_speed} pass-by of air"],
    },
    "riser": {
        "train": [
            "a riser building over {dur_words}",
            "a {dur_num} second riser",
            "{a_layer} riser",
            "a tension riser",
            "a rising build-up over {dur_words}",
            "{a_stutter} riser",
            "a riser",
        ],
        "heldout": ["uplifter lasting {dur_words}", "tension that swells for {dur_words}", "build fx climbing upward"],
    },
    "downlifter": {
        "train": [
            "a downlifter falling over {dur_words}",
            "a {dur_num} second downlifter",
            "{a_layer} downlifter",
            "a falling downlifter",
            "a drop-down effect over {dur_words}",
            "a downlifter",
        ],
        "heldout": [
            "descending fx dropping away for {dur_words}",
            "pitch dive lasting {dur_words}",
            "release effect sinking down",
        ],
    },
    "sweep": {
        "train": [
            "a {direction} sweep over {dur_words}",
            "a {wave} sweep from {f_start} to {f_end}",
            "a {direction} {wave} sweep",
            "{a_direction} tone sweep lasting {dur_words}",
            "frequency sweep from {f_start} to {f_end} in {dur_words}",
            "a tone sweep",
        ],
        "heldout": [
            "chirp going {updown} across {dur_words}",
            "{wave} glide between {f_start} and {f_end}",
            "oscillator pitch bend {updown}",
        ],
    },
    "laser": {
        "train": [
            "a {single} laser zap",
            "{count_word} laser zaps",
            "a {single} sci-fi laser shot",
            "{a_one_vnoun}",
            "laser sound effect",
            "{count_word} laser shots",
        ],
        "heldout": ["ray gun firing {times_word}", "phaser beam discharge", "futuristic energy weapon"],
    },
    "siren": {
        "train": ["{a_vnoun}", "a siren", "{a_distance} siren", "a {vnoun} in the distance", "an emergency siren"],
        "heldout": ["emergency vehicle alarm, {held_kind}", "warning klaxon {distance_phrase}", "civil defence alert tone"],
    },
    "drone": {
        "train": [
            "a low drone in {note}",
            "{a_note} drone",
            "an electrical hum at {f0}",
            "a {f0} mains hum",
            "{a_vnoun}",
            "a synth drone on {note}",
            "a sustained drone",
        ],
        "heldout": ["droning tone pitched at {pitch_spoken}", "buzzing of power lines at {f0}", "ominous steady bed"],
    },
    # --- textures ----------------------------------------------------------------------------
    "rain": {
        "train": [
            "{intensity} rain",
            "{intensity} rain {on_surface}",
            "rain {on_surface}",
            "{soft_word} rain {on_surface}",
            "rainfall",
            "a rain shower",
            "{intensity} rainfall",
        ],
        "heldout": ["{held_rain}", "raindrops pattering {on_surface}", "wet weather ambience"],
    },
    "wind": {
        "train": ["{vnoun}", "wind blowing", "{vnoun2}", "the sound of wind", "wind noise"],
        "heldout": ["{held_wind}", "air moving outdoors", "blustery weather ambience"],
    },
    "surf": {
        "train": ["{vnoun}", "ocean waves", "sea waves breaking", "surf on a beach", "waves on the shore"],
        "heldout": ["{held_surf}", "seaside ambience with breakers", "tide rolling in"],
    },
    "fire": {
        "train": ["{vnoun}", "fire burning", "crackling fire", "a fire", "{vnoun2}"],
        "heldout": ["{held_fire}", "flames flickering and popping", "burning logs"],
    },
    "engine": {
        "train": [
            "a {vehicle} engine {action}",
            "engine rumble",
            "{a_vehicle} {action}",
            "{an_action_adj} {vehicle} engine",
            "engine noise",
            "a {vehicle} engine",
        ],
        "heldout": ["motor of a {vehicle}, {held_action}", "{vehicle} motor running", "combustion motor drone"],
    },
    # --- foley, mechanical sounds, rumbles and crackles ----------------------------------------
    "glass": {
        "train": [
            "{a_size} {object} being {action_ed}",
            "{a_object} being {action_ed}",
            "{object} {one_action}",
            "{count_word} glass {action}s",
            "{a_single} glass {action}",
            "{action_ing} glass",
            "glass {action} sound effect",
            "{a_size} glass {one_action}",
        ],
        "heldout": [
            "{a_held_action} against {a_held_object}",
            "glassware struck {times_word}",
            "{held_size} glassware ringing",
        ],
    },
    "dropped_object": {
        "train": [
            "{a_object} dropped on the floor",
            "{a_size} {object} dropped",
            "dropping {a_object}",
            "{a_material} object dropped on a hard floor",
            "{a_object} bouncing on the floor",
            "something dropped on the floor",
            "{a_size} {material} object bouncing",
            "dropped {object}",
        ],
        "heldout": [
            "{held_material} item falling to the ground",
            "{held_size} thing tumbling onto tiles",
            "{object} clattering to the ground",
        ],
    },
    "ratchet": {
        "train": [
            "{vnoun}",
            "{vnoun2}",
            "ratchet clicks",
            "a ratchet",
            "{speed} ratchet clicking",
            "{count_word} ratchet strokes",
        ],
        "heldout": ["{held_ratchet}", "pawl snapping over a toothed wheel"],
    },
    "motor": {
        "train": [
            "{vnoun}",
            "{vnoun2}",
            "electric motor whine",
            "a motor whirring",
            "{count_word} servo movements",
            "a {single} servo move",
        ],
        "heldout": ["{held_motor}", "whirring actuator"],
    },
    "gears": {
        "train": ["{vnoun}", "{vnoun2}", "gears turning", "a gear mechanism", "{speed} turning gears", "cogs turning"],
        "heldout": ["{held_gears}", "interlocking toothed wheels rotating"],
    },
    "rumble": {
        "train": ["{vnoun}", "{vnoun2}", "a deep rumble", "rumbling", "low rumbling sound"],
        "heldout": ["{held_rumble}", "sub-bass roar from far away"],
    },
    "crackle": {
        "train": ["{vnoun}", "{vnoun2}", "crackling noise", "crackle texture", "a crackling sound"],
        "heldout": ["{held_crackle}", "popping and snapping noise bed"],
    },
    # --- user interface ----------------------------------------------------------------------
    "beep": {
        "train": [
            "{count_word} {length} beeps",
            "{count_word} beeps",
            "a {single} beep",
            "a {single_pitch}-pitched beep",
            "a {single_length} beep",
            "beeping at {freq}",
            "{count_word} electronic beeps",
            "a {single} electronic beep",
            "electronic beeping",
            "beep sound",
        ],
        "heldout": ["{count_word} bleeps", "tone pips, {count_word} of them", "{a_lone} alert pip", "bleeping tones"],
    },
    "notification": {
        "train": [
            "a notification chime",
            "{a_count_note} notification chime {going}",
            "a message alert sound",
            "a gentle {ding}",
            "a UI chime",
            "{a_count_note} chime",
            "a notification sound",
        ],
        "heldout": ["incoming message jingle", "app alert tone", "{count_word}-tone jingle for an alert"],
    },
    "click": {
        "train": [
            "{count_word} clicks",
            "a {single} click",
            "a {single} {variant_adj} click",
            "{a_one_variant} click",
            "{count_word} {variant_adj} clicks",
            "clicking",
            "click sound",
        ],
        "heldout": ["ticks, {count_word} in total", "tap of a button", "{held_click}"],
    },
    # --- speech ------------------------------------------------------------------------------
    "speech/word": {
        "train": [
            "{who} {saying} {said}",
            "{who} {says} {said}",
            "{said}, spoken by {who}",
            "{who} with {a_accent} accent {saying} {said}",
            "{who} {saying} {said} {speed_adv}",
            "voice saying {said}",
            "{who} speaking",
            "someone speaking",
            "human speech",
        ],
        "heldout": ["{held_who} voice pronouncing {said}", "spoken word {said}", "utterance: {said}", "a person talking"],
    },
    "speech/number": {
        "train": [
            "{who} {saying} the number {number}",
            "{who} {saying} {said}",
            "{who} {saying} a number",
            "the number {number}, spoken",
            "{who} with {a_accent} accent {saying} {number}",
        ],
        "heldout": ["utterance of the figure {number}", "{held_who} voice reading out {said}"],
    },
    "speech/counting": {
        "train": [
            "{who} counting to {top_word}",
            "{who} counting from one to {top_word}",
            "counting to {top_word}",
            "{who} counting {speed_adv} to {top_word}",
            "{who} counting",
        ],
        "heldout": ["{held_who} voice numbering aloud up to {top_word}", "reciting numbers one through {top_word}"],
    },
    "speech/countdown": {
        "train": [
            "{who} counting down from {top_word}",
            "a countdown from {top_word}",
            "{who} counting down from {top_word} to one",
            "{who} doing a countdown",
        ],
        "heldout": ["{held_who} voice reciting numbers backwards from {top_word}", "reverse count beginning at {top_word}"],
    },
    "speech/foreign": {
        "train": [
            "{who} speaking {language}",
            "a short spoken phrase in {language}",
            "{who} shouting in {language}",
            "{language} speech",
        ],
        "heldout": ["brief exclamation spoken in the {language} language", "{language}-language voice line"],
    },
}

# Nouns and adjectives the slot builders choose from. "held" words only feed held-out templates.
DRUM_WORDS = {  # class: (training adjective, held-out adjective, held-out noun or None to reuse the piece)
    "kick": ("punchy", "thumping", "bass drum"),
    "snare": ("crisp", "cracking", "snare shot"),
    "hihat": ("tight", "ticking", "hats"),
    "cymbal": ("bright", "shimmering", None),
    "tom": ("deep", "booming", "tom-tom"),
    "clap": ("sharp", "slapping", "handclap"),
    "percussion": ("woody", "rhythmic", None),
}
IMPACT_WORDS = {  # variant: (noun, second noun, held-out noun)
    "cinematic": ("cinematic impact", "cinematic boom", "trailer hit"),
    "metal": ("metal impact", "metallic clang", "clank of steel"),
    "wood": ("wooden knock", "wood hit", "knock on timber"),
    "punch": ("punch", "punch hit", "fist striking a body"),
    "thud": ("dull thud", "thud", "muffled bump"),
}
SIREN_WORDS = {
    "wail": ("wailing siren", "slowly rising and falling"),
    "yelp": ("yelping police siren", "fast warbling"),
    "hi-lo": ("two-tone siren", "alternating two pitches"),
    "air raid": ("air raid siren", "long rising howl"),
}
DRONE_WORDS = {"hum": "electrical hum", "synth": "synth drone", "dark": "dark ambient drone"}
WIND_WORDS = {
    "breeze": ("a gentle breeze", "light wind", "soft air current"),
    "gusty": ("gusty wind", "strong wind gusts", "wind coming in bursts"),
    "howling": ("howling wind", "wind howling", "whistling gale"),
    "storm": ("a wind storm", "stormy wind", "gale-force tempest"),
}
SURF_WORDS = {
    "crashing": ("ocean waves crashing on a beach", "crashing waves", "breakers pounding the coast"),
    "gentle": ("gentle waves lapping on the shore", "calm sea waves", "quiet lapping water at the coastline"),
}
FIRE_WORDS = {
    "campfire": ("a crackling campfire", "campfire", "logs popping in an outdoor blaze"),
    "roaring": ("a roaring fire", "roaring flames", "intense blaze"),
    "fireplace": ("a fireplace crackling", "fire in a fireplace", "hearth embers snapping"),
}
RAIN_WORDS = {
    "light": ("light", "soft", "drizzle"),
    "moderate": ("steady", "steady", "shower of raindrops"),
    "heavy": ("heavy", "pouring", "downpour"),
}
RAIN_SURFACES = {"window": "on a window", "roof": "on a roof", "leaves": "on leaves", "open": None}
ENGINE_ACTIONS = {
    "idling": ("idling", "an idling", "ticking over"),
    "revving": ("revving", "a revving", "being revved"),
    "accelerating": ("accelerating", "an accelerating", "speeding up through the gears"),
}
GLASS_OBJECTS = {  # object: (caption noun, held-out noun)
    "wine glass": ("wine glass", "crystal goblet"),
    "bottle": ("glass bottle", "empty bottle"),
    "jar": ("glass jar", "preserving jar"),
    "pane": ("pane of glass", "windowpane"),
}
GLASS_ACTIONS = {  # action: (noun, past participle, -ing form, held-out noun)
    "clink": ("clink", "clinked", "clinking", "chink"),
    "tap": ("tap", "tapped", "tapping", "light rap"),
    "knock": ("knock", "knocked", "knocking", "knuckle rap"),
}
HELD_SIZES = {"small": "tiny", "large": "big"}  # held-out size words (medium is left unsaid)
MATERIAL_WORDS = {  # material: (caption adjective, held-out adjective)
    "wood": ("wooden", "timber"),
    "metal": ("metal", "steel"),
    "ceramic": ("ceramic", "porcelain"),
    "plastic": ("plastic", "synthetic"),
    "stone": ("stone", "rocky"),
}
VARIANT_WORDS = {  # class: variant: (noun, second noun, held-out noun)
    "ratchet": {
        "wrench": ("a ratchet wrench turning", "ratchet wrench clicks", "mechanic tightening a bolt with a socket spanner"),
        "zip tie": ("a zip tie being pulled tight", "zip tie ratcheting", "cable tie cinched shut"),
        "crank": ("winding a ratchet crank", "ratchet crank winding", "hand winch being cranked"),
        "freewheel": ("a bicycle freewheel ticking", "bike freewheel clicking", "bicycle coasting with its hub ticking"),
    },
    "motor": {
        "servo": ("a servo motor moving", "servo whirring", "robot joint actuator whizzing"),
        "drill": ("an electric drill", "a power drill whirring", "cordless driver boring a hole"),
        "spin up": (
            "an electric motor spinning up",
            "motor winding up to speed",
            "electric machine revving up from a standstill",
        ),
        "spin down": ("an electric motor spinning down", "motor winding down", "electric machine coasting to a halt"),
    },
    "gears": {
        "clockwork": ("clockwork gears ticking", "a clockwork mechanism", "tiny cogs of a wind-up toy turning"),
        "machinery": ("large gears turning", "heavy machinery gears", "massive cogwheels rotating in a mill"),
        "grinding": ("gears grinding", "grinding gears", "teeth scraping and crunching in a gearbox"),
    },
    "rumble": {
        "thunder": ("distant thunder rumbling", "rolling thunder", "far-off storm grumbling"),
        "earthquake": ("an earthquake rumbling", "earthquake rumble", "ground shaking with a deep roar"),
        "train": ("an underground train rumbling past", "subway train rumble", "metro passing beneath the street"),
        "deep": ("a deep low rumble", "low rumble", "subsonic growl"),
    },
    "crackle": {
        "vinyl": ("vinyl crackle", "vinyl record crackling", "dusty turntable surface noise"),
        "static": ("radio static crackling", "crackling static", "interference hiss with pops"),
        "sparks": ("electric sparks crackling", "sparking electricity", "high-voltage arc snapping"),
    },
}
