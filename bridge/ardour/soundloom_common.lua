-- soundloom for Ardour: the logic both editor actions share.
--
-- Ardour lists only scripts that declare an ardour{} descriptor, so this file
-- stays out of the script menus. The actions read it from Ardour's script
-- folder and run it with load(); it returns a table of functions. Nothing here
-- runs at load time except defining them, and nothing depends on the editor
-- window, so Ardour's headless interpreter (ardour7-lua) can run the same code.
--
-- Works with the timepos_t API of Ardour 7 and 8 and with the plain sample
-- numbers of Ardour 6.

local M = {}

----------------------------------------------------------------------------
-- Time: Ardour 7/8 hand out Temporal.timepos_t / timecnt_t, Ardour 6 numbers.

function M.samples (t)
	if type (t) == "number" then return t end
	return t:samples ()
end

function M.timepos (samples)
	if Temporal and Temporal.timepos_t then return Temporal.timepos_t (samples) end
	return samples
end

function M.timecnt (samples)
	if Temporal and Temporal.timecnt_t then return Temporal.timecnt_t (samples) end
	return samples
end

----------------------------------------------------------------------------
-- Files and the shell.

function M.basename (path)
	return (path:gsub ("^.*/", ""))
end

function M.stem (path)
	return (M.basename (path):gsub ("%.[^.]*$", ""))
end

function M.file_exists (path)
	local f = io.open (path, "rb")
	if f then f:close () return true end
	return false
end

function M.read_file (path)
	local f = io.open (path, "rb")
	if not f then return nil end
	local text = f:read ("a")
	f:close ()
	return text
end

-- One argument for /bin/sh, quoted so nothing in it is interpreted.
function M.shell_quote (s)
	return "'" .. tostring (s):gsub ("'", [['\'']]) .. "'"
end

function M.shell_join (argv)
	local out = {}
	for i, a in ipairs (argv) do out[i] = M.shell_quote (a) end
	return table.concat (out, " ")
end

-- A file stays in place while its own take is written beside it, so a take
-- of a take is named after the original: clip.take-3.wav came from clip.wav.
function M.take_parent (path)
	local dir, stem, ext = path:match ("^(.-)([^/]-)%.take%-%d+(%.[^./]*)$")
	if not stem then return nil end
	return dir .. stem .. ext
end

----------------------------------------------------------------------------
-- JSON: the bridge reports through small JSON objects (progress file, --json).

local function json_error (text, i, what)
	error (string.format ("bad JSON at character %d: %s", i, what), 0)
end

local json_value

local function skip (text, i)
	return text:find ("[^ \t\r\n]", i) or (#text + 1)
end

local escapes = { ['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = '\b', f = '\f', n = '\n', r = '\r', t = '\t' }

local function utf8_char (code)
	if utf8 and utf8.char then return utf8.char (code) end
	if code < 0x80 then return string.char (code) end
	if code < 0x800 then
		return string.char (0xC0 | (code >> 6), 0x80 | (code & 0x3F))
	end
	if code < 0x10000 then
		return string.char (0xE0 | (code >> 12), 0x80 | ((code >> 6) & 0x3F), 0x80 | (code & 0x3F))
	end
	return string.char (0xF0 | (code >> 18), 0x80 | ((code >> 12) & 0x3F), 0x80 | ((code >> 6) & 0x3F), 0x80 | (code & 0x3F))
end

local function json_string (text, i)
	local out = {}
	local j = i + 1
	while true do
		local c = text:sub (j, j)
		if c == "" then json_error (text, j, "unterminated string") end
		if c == '"' then return table.concat (out), j + 1 end
		if c == "\\" then
			local e = text:sub (j + 1, j + 1)
			if e == "u" then
				local hex = text:sub (j + 2, j + 5)
				if not hex:match ("^%x%x%x%x$") then json_error (text, j, "bad \\u escape") end
				local code = tonumber (hex, 16)
				j = j + 6
				-- a surrogate pair stands for one character beyond the first plane
				if code >= 0xD800 and code <= 0xDBFF and text:sub (j, j + 1) == "\\u" then
					local low = tonumber (text:sub (j + 2, j + 5), 16)
					if low and low >= 0xDC00 and low <= 0xDFFF then
						code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
						j = j + 6
					end
				end
				out[#out + 1] = utf8_char (code)
			elseif escapes[e] then
				out[#out + 1] = escapes[e]
				j = j + 2
			else
				json_error (text, j, "bad escape")
			end
		else
			local k = text:find ('["\\]', j) or (#text + 1)
			out[#out + 1] = text:sub (j, k - 1)
			j = k
		end
	end
end

json_value = function (text, i)
	i = skip (text, i)
	local c = text:sub (i, i)
	if c == "{" then
		local obj = {}
		i = skip (text, i + 1)
		if text:sub (i, i) == "}" then return obj, i + 1 end
		while true do
			if text:sub (i, i) ~= '"' then json_error (text, i, "expected a key") end
			local key
			key, i = json_string (text, i)
			i = skip (text, i)
			if text:sub (i, i) ~= ":" then json_error (text, i, "expected ':'") end
			obj[key], i = json_value (text, i + 1)
			i = skip (text, i)
			local d = text:sub (i, i)
			if d == "}" then return obj, i + 1 end
			if d ~= "," then json_error (text, i, "expected ',' or '}'") end
			i = skip (text, i + 1)
		end
	elseif c == "[" then
		local arr = {}
		i = skip (text, i + 1)
		if text:sub (i, i) == "]" then return arr, i + 1 end
		while true do
			arr[#arr + 1], i = json_value (text, i)
			i = skip (text, i)
			local d = text:sub (i, i)
			if d == "]" then return arr, i + 1 end
			if d ~= "," then json_error (text, i, "expected ',' or ']'") end
			i = i + 1
		end
	elseif c == '"' then
		return json_string (text, i)
	elseif text:sub (i, i + 3) == "true" then
		return true, i + 4
	elseif text:sub (i, i + 4) == "false" then
		return false, i + 5
	elseif text:sub (i, i + 3) == "null" then
		return nil, i + 4
	else
		local num = text:match ("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
		if not num or num == "" or num == "-" then json_error (text, i, "unexpected character") end
		return tonumber (num), i + #num
	end
end

-- Returns the decoded value, or nil and a one-line reason.
function M.json_decode (text)
	if type (text) ~= "string" then return nil, "no JSON text" end
	local ok, value, i = pcall (json_value, text, 1)
	if not ok then return nil, value end
	if skip (text, i) <= #text then return nil, "bad JSON: text after the value" end
	return value
end

----------------------------------------------------------------------------
-- A file's sample rate, from its header (WAV, RF64, AIFF, FLAC).
-- Not every Ardour build binds AudioSource:sample_rate(), and an embedded
-- file may differ from the session's rate (Ardour then plays its samples
-- as they are, so offsets stay in the file's samples).

local function aiff_rate (bytes)
	-- 80-bit IEEE extended: sign+exponent (16 bits), 64-bit mantissa
	local exp, hi, lo = string.unpack (">I2I4I4", bytes)
	exp = (exp & 0x7FFF) - 16383
	local mant = hi * 2.0^32 + lo
	return math.floor (mant * 2.0^(exp - 63) + 0.5)
end

function M.file_rate (path)
	local f = io.open (path, "rb")
	if not f then return nil end
	local head = f:read (65536) or ""
	f:close ()
	local magic = head:sub (1, 4)
	if (magic == "RIFF" or magic == "RF64" or magic == "BW64") and head:sub (9, 12) == "WAVE" then
		local i = 13
		while i + 8 <= #head do
			local id, size = head:sub (i, i + 3), string.unpack ("<I4", head, i + 4)
			if id == "fmt " then return (string.unpack ("<I4", head, i + 12)) end
			i = i + 8 + size + (size % 2)
		end
	elseif magic == "FORM" and (head:sub (9, 12) == "AIFF" or head:sub (9, 12) == "AIFC") then
		local i = 13
		while i + 8 <= #head do
			local id, size = head:sub (i, i + 3), string.unpack (">I4", head, i + 4)
			if id == "COMM" then return aiff_rate (head:sub (i + 16, i + 25)) end
			i = i + 8 + size + (size % 2)
		end
	elseif magic == "fLaC" then
		-- STREAMINFO comes first: the rate is the top 20 bits after 10 bytes
		local b1, b2, b3 = head:byte (19, 21)
		if b3 then return (b1 << 12) | (b2 << 4) | (b3 >> 4) end
	end
	return nil
end

----------------------------------------------------------------------------
-- Regions and the audio file behind them.

-- The file a region plays, its sample rate and channel count. soundloom
-- regenerates whole files, so every channel must come from the same file
-- (a mono region, or a multichannel file embedded as it is).
function M.region_source (region, session)
	local ar = region:to_audioregion ()
	if ar:isnil () then
		return nil, string.format ("region '%s' is not an audio region", region:name ())
	end
	local channels = ar:n_channels ()
	local path
	for c = 0, channels - 1 do
		local fs = region:source (c):to_filesource ()
		if fs:isnil () then
			return nil, string.format ("region '%s' does not play from a file", region:name ())
		end
		if path and fs:path () ~= path then
			return nil, string.format (
				"region '%s' keeps its channels in separate files; embed the multichannel file (Import: 'Embed (link) files') so soundloom can regenerate it as one",
				region:name ())
		end
		path = fs:path ()
	end
	local rate
	local as = region:source (0):to_audiosource ()
	if not as:isnil () and as.sample_rate then rate = as:sample_rate () end
	if not rate or rate <= 0 then rate = M.file_rate (path) end
	if (not rate or rate <= 0) and session then rate = session:nominal_sample_rate () end
	return { path = path, rate = rate, channels = channels }
end

-- The part of [range_start, range_end) (timeline samples) that the region
-- plays, as seconds in its source file: the region starts `start` samples
-- into the file and sits at `position` on the timeline.
function M.source_range (region, range_start, range_end, rate)
	local position = M.samples (region:position ())
	local length = M.samples (region:length ())
	local start = M.samples (region:start ())
	local a = math.max (range_start, position)
	local b = math.min (range_end, position + length)
	if b <= a then
		return nil, string.format ("the range does not overlap region '%s'", region:name ())
	end
	return (start + a - position) / rate, (start + b - position) / rate
end

-- "S:E" for `soundloom regen --region`, in seconds with enough digits that
-- rounding back to samples lands on the same sample.
function M.region_arg (s0, s1)
	return string.format ("%.9f:%.9f", s0, s1)
end

-- The whole-file region Ardour made when the take was imported or embedded
-- (Editor:do_embed / do_import with ImportAsRegion): the newest one whose
-- first source is the take's file.
function M.find_whole_file_region (path)
	local found, found_id
	for _, r in ARDOUR.RegionFactory.regions ():iter () do
		if r:whole_file () then
			local fs = r:source (0):to_filesource ()
			if not fs:isnil () and fs:path () == path then
				local id = tonumber (r:to_stateful ():id ():to_s ())
				if not found or (id and found_id and id > found_id) then
					found, found_id = r, id
				end
			end
		end
	end
	return found
end

-- Puts the take on the original's playlist, covering exactly what the
-- original covers (same position, offset into the file and length; the take
-- has the source's length), on top of it; then mutes the original
-- (mode "mute") or removes it (mode "replace"). One reversible command, so
-- a single undo takes it all back. Returns the new region and the diff
-- commands recorded (playlist first, then the original when it was muted).
function M.place_take (session, original, take_whole, mode, command_name)
	if mode ~= "mute" and mode ~= "replace" then
		error ("mode must be 'mute' or 'replace', not '" .. tostring (mode) .. "'", 0)
	end
	local playlist = original:playlist ()
	if playlist:isnil () then
		error (string.format ("region '%s' is not on a playlist", original:name ()), 0)
	end

	local take = ARDOUR.RegionFactory.clone_region (take_whole, true, false)
	take:set_name (M.stem (take_whole:source (0):to_filesource ():path ()))
	-- length first: Ardour refuses a start that would run the region past the
	-- end of its file, which the clone's whole-file length would do
	take:set_length (original:length ())
	take:set_start (original:start ())
	if M.samples (take:start ()) ~= M.samples (original:start ())
		or M.samples (take:length ()) ~= M.samples (original:length ()) then
		error (string.format ("the take '%s' is shorter than the part of the file region '%s' plays",
			take:name (), original:name ()), 0)
	end
	local oa, ta = original:to_audioregion (), take:to_audioregion ()
	if not oa:isnil () and not ta:isnil () then
		ta:set_scale_amplitude (oa:scale_amplitude ())
	end

	session:begin_reversible_command (command_name or "soundloom: regenerate")
	playlist:to_stateful ():clear_changes ()
	original:to_stateful ():clear_changes ()

	playlist:add_region (take, original:position (), 1, false)
	take:raise_to_top ()
	if mode == "replace" then
		playlist:remove_region (original)
	else
		original:set_muted (true)
	end

	local commands = {}
	commands[#commands + 1] = session:add_stateful_diff_command (playlist:to_statefuldestructible ())
	if mode == "mute" then
		commands[#commands + 1] = session:add_stateful_diff_command (original:to_statefuldestructible ())
	end
	if not session:abort_empty_reversible_command () then
		session:commit_reversible_command (nil)
	end
	return take, commands
end

----------------------------------------------------------------------------
-- Running the bridge: started in the background, watched through the
-- progress file it rewrites atomically on every change.

-- argv for `soundloom regen`; opts: soundloom (command), source, region
-- ("S:E"), prompt, negative, seed, steps, next_variation, progress_file.
function M.regen_argv (opts)
	local argv = { opts.soundloom or "soundloom", "regen", opts.source }
	if opts.next_variation then
		argv[#argv + 1] = "--next-variation"
	else
		argv[#argv + 1] = "--region"
		argv[#argv + 1] = opts.region
		-- as an option, so a prompt starting with '-' is not read as one
		argv[#argv + 1] = "--prompt"
		argv[#argv + 1] = opts.prompt
		if opts.negative and opts.negative ~= "" then
			argv[#argv + 1] = "--negative"
			argv[#argv + 1] = opts.negative
		end
		if opts.seed then
			argv[#argv + 1] = "--seed"
			argv[#argv + 1] = tostring (math.floor (opts.seed))
		end
		if opts.steps then
			argv[#argv + 1] = "--steps"
			argv[#argv + 1] = tostring (math.floor (opts.steps))
		end
	end
	argv[#argv + 1] = "--json"
	argv[#argv + 1] = "--progress-file"
	argv[#argv + 1] = opts.progress_file
	return argv
end

-- The files one run of the bridge reports through, named after a fresh
-- temporary name.
function M.new_job (base)
	base = base or os.tmpname ()
	return {
		base = base,
		progress = base .. ".progress.json",
		out = base .. ".out",
		err = base .. ".err",
		rc = base .. ".rc",
		pid = base .. ".pid",
	}
end

-- Starts argv without waiting (argv's progress file should be job.progress).
-- The shell records its pid (to cancel) and, once the command has ended, its
-- exit code, so a command that dies before writing its report is noticed.
function M.start_job (job, argv)
	local script = "echo $$ > " .. M.shell_quote (job.pid) .. "; "
		.. M.shell_join (argv) .. " > " .. M.shell_quote (job.out) .. " 2> " .. M.shell_quote (job.err)
		.. "; echo $? > " .. M.shell_quote (job.rc .. ".part")
		.. " && mv " .. M.shell_quote (job.rc .. ".part") .. " " .. M.shell_quote (job.rc)
	if os.forkexec then
		-- Ardour's editor: fire and forget; the command keeps default signals
		os.forkexec ("/bin/sh", "-c", script)
	else
		-- plain Lua / ardour7-lua: let the shell put it in the background
		os.execute ("/bin/sh -c " .. M.shell_quote (script) .. " > /dev/null 2>&1 &")
	end
	return job
end

local function last_line (text)
	if not text then return nil end
	local last
	for line in text:gmatch ("[^\r\n]+") do
		if line:match ("%S") then last = line end
	end
	return last
end

-- One look at the job. Returns {state, progress, message, takes, finished}
-- where finished is true once the outcome is known.
function M.poll_job (job)
	local report = M.json_decode (M.read_file (job.progress) or "") or {}
	local state = report.state or "starting"
	local status = {
		state = state,
		progress = tonumber (report.progress) or 0,
		message = report.message or "",
		takes = report.takes or {},
	}
	if state == "done" or state == "failed" then
		status.finished = true
		if state == "done" and #status.takes == 0 then
			local out = M.json_decode (M.read_file (job.out) or "")
			if type (out) == "table" and type (out.takes) == "table" then status.takes = out.takes end
		end
		return status
	end
	local rc = M.read_file (job.rc)
	if rc then
		-- ended without a final report: look once more (it may have landed
		-- between the two reads), else say what the command printed
		local again = M.json_decode (M.read_file (job.progress) or "") or {}
		if again.state == "done" or again.state == "failed" then return M.poll_job (job) end
		status.finished = true
		status.state = "failed"
		status.message = last_line (M.read_file (job.err))
			or string.format ("soundloom exited with code %s and no report", (rc:gsub ("%s", "")))
	end
	return status
end

-- Waits for the job. on_progress(fraction, message) may return true to
-- cancel. sleep(microseconds) defaults to Ardour's usleep. Returns the
-- takes, or nil and a one-line reason.
function M.wait_job (job, on_progress, sleep, timeout_s)
	sleep = sleep or function (us) ARDOUR.LuaAPI.usleep (us) end
	local waited = 0
	while true do
		local st = M.poll_job (job)
		if st.finished then
			if on_progress then on_progress (1, st.message) end
			if st.state == "done" then return st.takes end
			return nil, (st.message ~= "" and st.message or "soundloom failed")
		end
		if on_progress and on_progress (st.progress, st.message ~= "" and st.message or st.state) then
			M.cancel_job (job)
			return nil, "cancelled"
		end
		if timeout_s and waited > timeout_s then
			M.cancel_job (job)
			return nil, string.format ("soundloom did not finish within %d s", timeout_s)
		end
		sleep (100000)
		waited = waited + 0.1
	end
end

-- Stops the running command the way soundloom expects a DAW to (SIGTERM,
-- which it treats as Ctrl-C): it cancels its engine job and writes its final
-- report; its temporary files never become takes.
function M.cancel_job (job)
	local pid = (M.read_file (job.pid) or ""):match ("%d+")
	if pid then os.execute ("pkill -TERM -P " .. pid .. " > /dev/null 2>&1") end
end

function M.remove_job_files (job)
	for _, key in ipairs ({ "progress", "out", "err", "rc", "pid" }) do
		os.remove (job[key])
	end
	os.remove (job.base)
end

-- The soundloom program to run, first match wins: the action's "soundloom"
-- parameter (set when the script is bound to an action button), the path
-- `soundloom bridge install ardour` records in soundloom_command.txt beside
-- these scripts, else `soundloom` looked up on PATH.
function M.command (params, folder)
	local given = params and params["soundloom"]
	if given and given ~= "" and given ~= "soundloom" then return given end
	if folder then
		local recorded = last_line (M.read_file (folder .. "/soundloom_command.txt"))
		if recorded then return (recorded:gsub ("^%s+", ""):gsub ("%s+$", "")) end
	end
	return "soundloom"
end

----------------------------------------------------------------------------
-- The editor's side (these need Ardour's editor window: Editor, LuaDialog).

-- The time selection as timeline samples [start, end), or nil.
function M.time_selection (sel)
	local t = sel.time
	local s, e
	if t.start_time then
		s, e = M.samples (t:start_time ()), M.samples (t:end_time ())
	else
		s, e = t:start_sample (), t:end_sample ()
	end
	if e > s then return s, e end
	return nil
end

-- The regions to work on: the selected audio regions; with none selected,
-- the topmost unmuted audio region under the time selection on each
-- selected track (the Range tool selects tracks, not regions).
function M.selected_regions (sel, range_start, range_end)
	local list = {}
	for r in sel.regions:regionlist ():iter () do
		if not r:to_audioregion ():isnil () then list[#list + 1] = r end
	end
	if #list > 0 or not range_start then return list end
	for route in sel.tracks:routelist ():iter () do
		local track = route:to_track ()
		if not track:isnil () then
			local best
			local touched = track:playlist ():regions_touched (M.timepos (range_start), M.timepos (range_end))
			for r in touched:iter () do
				if not r:muted () and not r:to_audioregion ():isnil ()
					and (not best or r:layer () > best:layer ()) then
					best = r
				end
			end
			if best then list[#list + 1] = best end
		end
	end
	return list
end

function M.message (text, is_error)
	LuaDialog.Message ("soundloom", text,
		is_error and LuaDialog.MessageType.Error or LuaDialog.MessageType.Info,
		LuaDialog.ButtonType.Close):run ()
end

-- Runs argv (its progress file is job.progress) with a cancellable progress
-- window, keeping the editor responsive. Returns the takes, or nil and why.
function M.run_with_progress (job, argv, title)
	local window = LuaDialog.ProgressWindow (title, true)
	window:progress (0, "starting soundloom")
	M.start_job (job, argv)
	local takes, why = M.wait_job (job, function (fraction, message)
		return window:progress (fraction, message)
	end)
	window:done ()
	M.remove_job_files (job)
	return takes, why
end

-- Brings the take into the session as a whole-file region (embedded: the
-- take stays where soundloom wrote it) and returns that region.
function M.embed_take (path)
	local files = C.StringVector ()
	files:push_back (path)
	local pos = M.timepos (0)
	Editor:do_embed (files, Editing.ImportDistinctFiles, Editing.ImportAsRegion, pos,
		ARDOUR.PluginInfo (), ARDOUR.Track ())
	return M.find_whole_file_region (path)
end

-- For one region: the bridge run described by `opts` (soundloom, source,
-- region, prompt, negative, seed, steps, next_variation), then the take placed over
-- the region. Returns the take's path, or nil and a one-line reason.
function M.regenerate_region (session, region, opts)
	local job = M.new_job ()
	local argv = M.regen_argv ({
		soundloom = opts.soundloom, source = opts.source, region = opts.region,
		prompt = opts.prompt, negative = opts.negative, seed = opts.seed, steps = opts.steps,
		next_variation = opts.next_variation, progress_file = job.progress,
	})
	local takes, why = M.run_with_progress (job, argv, opts.title or "soundloom")
	if not takes then return nil, why end
	local path = takes[1]
	if not path then return nil, "soundloom reported no take" end
	local whole = M.embed_take (path)
	if not whole then return nil, "Ardour could not embed the take " .. path end
	local ok, err = pcall (M.place_take, session, region, whole, opts.mode or "mute", opts.command or "soundloom: regenerate")
	if not ok then return nil, err end
	return path
end

return M
