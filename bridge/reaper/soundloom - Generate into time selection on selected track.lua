-- @description soundloom: generate into the time selection on the selected track
-- @about
--   Asks for a prompt (and optional command options such as --steps 10), generates a sound exactly as long as the time selection into the
--   project's media folder, and places it as a new item on the selected track at the start of
--   the time selection (one undo point). Needs soundloom_bridge.lua in the same folder.

local folder = debug.getinfo(1, "S").source:match("^@(.*[/\\])")
  or ({ reaper.get_action_context() })[2]:match("^(.*[/\\])")
local soundloom = dofile(folder .. "soundloom_bridge.lua")

-- A file name made from the prompt: plain letters, digits and dashes, never an existing file.
local function output_path(media_folder, prompt)
  local stem = prompt:lower():gsub("[^%w]+", "-"):gsub("^-+", ""):gsub("-+$", ""):sub(1, 40):gsub("-+$", "")
  if stem == "" then stem = "sound" end
  local path = soundloom.join(media_folder, "soundloom-" .. stem .. ".wav")
  local n = 2
  while reaper.file_exists(path) do
    path = soundloom.join(media_folder, string.format("soundloom-%s-%d.wav", stem, n))
    n = n + 1
  end
  return path
end

local function main()
  local start, finish = soundloom.time_selection()
  if not start then return soundloom.error_box(finish) end
  if reaper.CountSelectedTracks(0) == 0 then
    return soundloom.error_box("no track selected: select the track to put the sound on")
  end
  local track = reaper.GetSelectedTrack(0, 0)

  local prompt, options = soundloom.ask_prompt("generate into the time selection")
  if not prompt then return end

  local media_folder = reaper.GetProjectPath("")
  if media_folder == "" then
    return soundloom.error_box("the project has no media folder: set one in Project settings > Media")
  end
  reaper.RecursiveCreateDirectory(media_folder, 0)
  local output = output_path(media_folder, prompt)
  local length = finish - start
  soundloom.run("generating " .. soundloom.seconds(length) .. " s", "generate",
    { "--seconds", soundloom.seconds(length), "-o", output, table.unpack(options) }, { prompt },
    function(takes)
      soundloom.add_item(track, takes, start, length, prompt, "soundloom: generate " .. prompt)
    end)
end

main()
