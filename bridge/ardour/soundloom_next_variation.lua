ardour {
	["type"]    = "EditorAction",
	name        = "soundloom: next variation",
	license     = "MIT",
	author      = "soundloom",
	description = [[Makes another variation of the selected soundloom take: the same prompt and range as the take it came from, with the next seed. The new take goes over the selected region at the same place; the selected one stays, muted. One undo removes it. Needs soundloom_common.lua in the same script folder.]]
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
		lib.message ("Select the soundloom take (an audio region) to make another variation of.", true)
		return
	end

	local soundloom = lib.command (params, lib.folder)
	for _, region in ipairs (regions) do
		local src, err = lib.region_source (region, Session)
		if not src then lib.message (err, true) return end
		-- soundloom remembers a take's settings under the file it came from
		local source = lib.take_parent (src.path)
		if not source or not lib.file_exists (source) then source = src.path end
		local take, why = lib.regenerate_region (Session, region, {
			soundloom = soundloom, source = source, next_variation = true, mode = "mute",
			title = "soundloom: next variation of " .. lib.basename (source), command = "soundloom: next variation",
		})
		if not take then
			if why ~= "cancelled" then lib.message (why, true) end
			return
		end
	end
end end
