-- Drives Ardour's headless interpreter (ardour7-lua) for the Ardour bridge
-- tests: `ardour7-lua session_tool.lua COMMAND ARGS...`. Every fact the
-- tests check is printed as one line "@@ key value".
--
-- The steps that need the editor window (selection, dialogs, progress window,
-- Editor:do_embed) are not here: the tests put the files into the session
-- file the way do_embed leaves them, and this tool runs the shared logic
-- (soundloom_common.lua) that the editor actions run.

local command = arg[1]

local function report (key, ...)
	local parts = {}
	for i, v in ipairs ({ ... }) do parts[i] = tostring (v) end
	print ("@@ " .. key .. " " .. table.concat (parts, " "))
end

local function fail (message)
	report ("error", message)
	close_session ()
	os.exit (1)
end

local function load_lib (path)
	return assert (loadfile (path)) ()
end

local function open (dir, name)
	local s = load_session (dir, name)
	if not s then
		print ("@@ error cannot load session " .. dir)
		os.exit (1)
	end
	return s
end

local function first_track ()
	for route in Session:get_tracks ():iter () do
		local track = route:to_track ()
		if not track:isnil () then return track end
	end
	fail ("the session has no track")
end

local function regions_of (playlist)
	local list = {}
	for r in playlist:region_list ():iter () do list[#list + 1] = r end
	return list
end

local function describe (lib, track)
	local playlist = track:playlist ()
	report ("playlist", playlist:name (), playlist:n_regions ())
	for _, r in ipairs (regions_of (playlist)) do
		local ar = r:to_audioregion ()
		local paths = {}
		for c = 0, ar:n_channels () - 1 do
			paths[#paths + 1] = r:source (c):to_filesource ():path ()
		end
		report ("region", r:name (), "position=" .. lib.samples (r:position ()),
			"start=" .. lib.samples (r:start ()), "length=" .. lib.samples (r:length ()),
			"muted=" .. tostring (r:muted ()), "layer=" .. r:layer (),
			"channels=" .. ar:n_channels (), "sources=" .. table.concat (paths, "|"))
	end
end

-- The region on the track that plays `path` (the original clip).
local function region_playing (lib, track, path)
	for _, r in ipairs (regions_of (track:playlist ())) do
		local src = lib.region_source (r, Session)
		if src and src.path == path then return r end
	end
	fail ("no region on the track plays " .. path)
end

if command == "create" then
	-- create DIR NAME RATE CHANNELS
	local dir, name, rate, channels = arg[2], arg[3], tonumber (arg[4]), tonumber (arg[5])
	local s = create_session (dir, name, rate)
	if not s then print ("@@ error cannot create session") os.exit (1) end
	local tracks = Session:new_audio_track (channels, 2, nil, 1, "Clip",
		ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true)
	report ("tracks", tracks:size ())
	Session:save_state ("", false, false, false, false, false)
	close_session ()

elseif command == "lay-clip" then
	-- lay-clip LIB DIR NAME CLIP POSITION START LENGTH: put part of the
	-- embedded clip on the track, as an editor user would by dragging it
	-- from the region list and trimming its front and end.
	local lib = load_lib (arg[2])
	open (arg[3], arg[4])
	local clip, position, start, length = arg[5], tonumber (arg[6]), tonumber (arg[7]), tonumber (arg[8])
	local whole = lib.find_whole_file_region (clip)
	if not whole then fail ("the clip is not in the session's region list") end
	local r = ARDOUR.RegionFactory.clone_region (whole, true, false)
	r:set_length (lib.timecnt (length))
	r:set_start (lib.timepos (start))
	local track = first_track ()
	track:playlist ():add_region (r, lib.timepos (position), 1, false)
	describe (lib, track)
	Session:save_state ("", false, false, false, false, false)
	close_session ()

elseif command == "run-action" then
	-- run-action DIR NAME SCRIPT SOUNDLOOM SELECT RANGE_START RANGE_END
	--            PROMPT MODE STEPS EMBEDDED...
	-- Runs an editor action script as Ardour does (its factory, then the
	-- function it returns) on this real session. Stand-ins replace what
	-- only the editor window has: the selection (SELECT "region": the
	-- region under the range is selected; "range": only its track, as the
	-- Range tool leaves it), the dialogs (answered with PROMPT, MODE, STEPS),
	-- the progress window (records what it is shown) and Editor:do_embed
	-- (EMBEDDED files are already in the session's region list, as
	-- do_embed leaves them; the stand-in checks it was asked for one).
	local dir, name, script, soundloom, select = arg[2], arg[3], arg[4], arg[5], arg[6]
	local range_start, range_end = tonumber (arg[7]), tonumber (arg[8])
	local prompt, mode, steps = arg[9], arg[10], arg[11]
	local embedded = {}
	for i = 12, #arg do embedded[arg[i]] = true end
	open (dir, name)
	local track = first_track ()

	local function list_of (items)
		return { iter = function () local i = 0 return function () i = i + 1 return items[i] end end }
	end
	local selected = {}
	if select == "region" then
		-- what a click on the region leaves selected: the topmost audible one
		local top
		for _, r in ipairs (regions_of (track:playlist ())) do
			if not r:muted () and (not top or r:layer () > top:layer ()) then top = r end
		end
		selected[1] = top
	end
	local tracks = { track }
	local selection = {
		time = {
			start_time = function () return Temporal.timepos_t (range_start) end,
			end_time = function () return Temporal.timepos_t (range_end) end,
		},
		regions = { regionlist = function () return list_of (selected) end },
		tracks = { routelist = function () return list_of (tracks) end },
	}
	Editor = {
		get_selection = function () return selection end,
		do_embed = function (_, files, disposition, mode_, pos, instrument, to_track)
			local path = files:at (0)
			report ("embed", path)
			if not embedded[path] then fail ("the action embedded an unexpected file " .. path) end
		end,
	}
	Editing = { ImportDistinctFiles = 0, ImportAsRegion = 0 }
	LuaDialog = {
		MessageType = { Info = 0, Warning = 1, Question = 2, Error = 3 },
		ButtonType = { OK = 0, Close = 1 },
		Message = function (title, text, kind)
			return { run = function () report ("message", kind, (text:gsub ("\n", " "))) end }
		end,
		Dialog = function (title, fields)
			report ("dialog", title)
			local answer = {}
			for _, f in ipairs (fields) do
				if f.key == "prompt" then answer.prompt = prompt
				elseif f.key == "steps" then answer.steps = steps
				elseif f.key == "mode" then answer.mode = mode
				elseif f.key then answer[f.key] = f.default end
			end
			return { run = function () return answer end }
		end,
		ProgressWindow = function (title, cancellable)
			local calls = 0
			return {
				progress = function (_, fraction, text) calls = calls + 1 return false end,
				done = function () report ("progress-shown", calls) end,
			}
		end,
	}

	local descriptor
	ardour = function (d) descriptor = d end
	assert (loadfile (script)) ()
	report ("action", descriptor.type, descriptor.name)
	factory ({ soundloom = soundloom }) ()

	describe (load_lib (os.getenv ("ARDOUR_LUA_PATH") .. "/soundloom_common.lua"), track)
	Session:save_state ("", false, false, false, false, false)
	close_session ()

elseif command == "place" then
	-- place LIB DIR NAME CLIP TAKE MODE: put the take over the clip's
	-- region; first prove one undo takes it all back, then place it for good
	local lib = load_lib (arg[2])
	open (arg[3], arg[4])
	local track = first_track ()
	local original = region_playing (lib, track, arg[5])
	local take_whole = lib.find_whole_file_region (arg[6])
	if not take_whole then fail ("the take is not in the session's region list") end
	local mode = arg[7]

	local before = track:playlist ():n_regions ()
	local _, commands = lib.place_take (Session, original, take_whole, mode, "soundloom: regenerate")
	report ("placed-regions", track:playlist ():n_regions ())
	for i = #commands, 1, -1 do commands[i]:undo () end
	report ("undone-regions", track:playlist ():n_regions (), "before=" .. before)
	report ("undone-original-muted", tostring (original:muted ()))
	report ("undone-original-on-playlist", tostring (not track:playlist ():region_by_id (original:to_stateful ():id ()):isnil ()))

	lib.place_take (Session, original, take_whole, mode, "soundloom: regenerate")
	describe (lib, track)
	Session:save_state ("", false, false, false, false, false)
	close_session ()

elseif command == "inspect" then
	-- inspect LIB DIR NAME: the track's playlist as a fresh Ardour sees it
	local lib = load_lib (arg[2])
	open (arg[3], arg[4])
	describe (lib, first_track ())
	close_session ()

else
	print ("@@ error unknown command " .. tostring (command))
	os.exit (2)
end
