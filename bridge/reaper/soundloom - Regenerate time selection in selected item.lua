-- @description soundloom: regenerate the time selection in the selected item
-- @about
--   Asks for a prompt (and optional command options such as --steps 10 or -n 3), regenerates
--   the part of the selected item's active take that lies under the time selection, and adds
--   the result as a new active take of the same item (one take per variation, one undo point).
--   The original file is never changed; a new take is a file beside it, identical outside the
--   regenerated seconds. Needs soundloom_bridge.lua in the same folder.

local folder = debug.getinfo(1, "S").source:match("^@(.*[/\\])")
  or ({ reaper.get_action_context() })[2]:match("^(.*[/\\])")
local soundloom = dofile(folder .. "soundloom_bridge.lua")

local function main()
  local start, finish = soundloom.time_selection()
  if not start then return soundloom.error_box(finish) end
  local take, why = soundloom.selected_audio_take()
  if not take then return soundloom.error_box(why) end
  local region, outside = soundloom.source_region(take, start, finish)
  if not region then return soundloom.error_box(outside) end

  local prompt, options = soundloom.ask_prompt("regenerate the time selection")
  if not prompt then return end
  for _, note in ipairs(region.notes) do soundloom.note(note) end

  local span = soundloom.seconds(region.start) .. ":" .. soundloom.seconds(region.finish)
  table.insert(options, 1, "--region")
  table.insert(options, 2, span)
  soundloom.run("regenerating " .. span .. " s", "regen", options, { take.file, prompt },
    function(takes)
      soundloom.add_takes(take.item, takes, take, "soundloom: regenerate " .. span .. " s")
    end)
end

main()
