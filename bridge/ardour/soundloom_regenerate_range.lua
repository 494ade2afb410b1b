ardour {
	["type"]    = "EditorAction",
	name        = "soundloom: regenerate selected range",
	license     = "MIT",
	author      = "soundloom",
	description = [[Regenerates the time selection inside the selected audio region with soundloom: asks for a prompt, writes a take beside the region's file (identical to it outside the range), and lays the take over the region at the same place, keeping the original muted or replacing it. One undo removes it. Needs soundloom_common.lua in the same script folder.]]
}

function action_params ()
	return {
		["soundloom"] = { title = "soundloom program (full path if Ardour does not find it)", default = "soundloom" },
	}
end

function factory (params) return function ()

	-- Ardour keeps only this function, so the shared logic is read here from
	-- soundloom_common.lua in Ardour's script folders.
	local function load_common ()
		local folders = {}
		for dir in (os.getenv ("ARDOUR_LUA_PATH") or ""):gmatch ("[^:;]+") do folders[#folders + 1] = dir end
		folders[#folders + 1] = ARDOUR.user_config_directory (-1) .. "/scripts"
		for _, dir in ipairs (folders) do
			local f = io.open (dir .. "/soundloom_common.lua", "rb")
			if f then
				local code = f:read ("a")
				f:close ()
				local lib = assert (load (code, "@" .. dir .. "/soundloom_common.lua")) ()
				lib.folder = dir
				return lib
			end
		end
		error ("soundloom_common.lua is missing from " .. table.concat (folders, ", ")
			.. "; run `soundloom bridge install ardour`", 0)
	end

	local ok, lib = pcall (load_common)
	if not ok then
		LuaDialog.Message ("soundloom", tostring (lib), LuaDialog.MessageType.Error, LuaDialog.ButtonType.Close):run ()
		return
	end

	local sel = Editor:get_selection ()
	local range_start, range_end = lib.time_selection (sel)
	local regions = lib.selected_regions (sel, range_start, range_end)
	if #regions == 0 then
		lib.message ("Select an audio region (or a time range on its track) to regenerate.", true)
		return
	end

	-- what each region sends to the bridge: its file and the range in it
	local jobs = {}
	for _, region in ipairs (regions) do
		local src, err = lib.region_source (region, Session)
		if not src then lib.message (err, true) return end
		local s0, s1
		if range_start then
			s0, s1 = lib.source_range (region, range_start, range_end, src.rate)
		else
			-- no time selection: the whole part of the file the region plays
			s0, s1 = lib.source_range (region, lib.samples (region:position ()),
				lib.samples (region:position ()) + lib.samples (region:length ()), src.rate)
		end
		if s0 then
			jobs[#jobs + 1] = { region = region, source = src.path, s0 = s0, s1 = s1 }
		elseif #regions == 1 then
			lib.message (s1, true)
			return
		end
	end
	if #jobs == 0 then
		lib.message ("The time selection does not overlap the selected regions.", true)
		return
	end

	local summary = {}
	for i, job in ipairs (jobs) do
		summary[i] = string.format ("%s: %.3f s to %.3f s", lib.basename (job.source), job.s0, job.s1)
	end

	local answer = LuaDialog.Dialog ("soundloom: regenerate selected range", {
		{ type = "label", title = table.concat (summary, "\n") },
		{ type = "entry", key = "prompt", title = "Prompt (what the range should become)", default = "" },
		{ type = "entry", key = "negative", title = "Negative prompt (optional)", default = "" },
		{ type = "entry", key = "seed", title = "Seed (empty: random)", default = "" },
		{ type = "entry", key = "steps", title = "Sampling steps (empty: the engine's default)", default = "" },
		{ type = "radio", key = "mode", title = "Original region",
			values = { ["Keep it, muted under the take"] = "mute", ["Replace it with the take"] = "replace" },
			default = "Keep it, muted under the take" },
	}):run ()
	if not answer then return end

	local prompt = (answer["prompt"] or ""):gsub ("^%s+", ""):gsub ("%s+$", "")
	if prompt == "" then
		lib.message ("prompt: give what the range should become", true)
		return
	end
	local seed
	local seed_text = (answer["seed"] or ""):gsub ("%s", "")
	if seed_text ~= "" then
		seed = tonumber (seed_text)
		if not seed or seed ~= math.floor (seed) or seed < 0 or seed > 4294967295 then
			lib.message ("seed: a whole number 0–4294967295, or empty for a random one", true)
			return
		end
	end

	local steps
	local steps_text = (answer["steps"] or ""):gsub ("%s", "")
	if steps_text ~= "" then
		steps = tonumber (steps_text)
		if not steps or steps ~= math.floor (steps) or steps < 1 or steps > 1000 then
			lib.message ("steps: a whole number 1–1000, or empty for the engine's default", true)
			return
		end
	end

	local soundloom = lib.command (params, lib.folder)
	for _, job in ipairs (jobs) do
		local take, why = lib.regenerate_region (Session, job.region, {
			soundloom = soundloom, source = job.source, region = lib.region_arg (job.s0, job.s1),
			prompt = prompt, negative = answer["negative"], seed = seed, steps = steps, mode = answer["mode"],
			title = "soundloom: " .. lib.basename (job.source), command = "soundloom: regenerate",
		})
		if not take then
			if why ~= "cancelled" then lib.message (why, true) end
			return
		end
	end
end end
