-- @description soundloom: regenerate the time selection in the selected item
-- @about
--   Asks for a prompt, regenerates the part of the selected item's active take that lies under
--   the time selection, and adds the result as a new active take of the same item (one undo
--   point). The original file is never changed; the new take is a file beside it, identical
--   outside the regenerated seconds. Needs soundloom_bridge.lua in the same folder.

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

  local prompt = soundloom.ask_prompt("regenerate the time selection")
  if not prompt then return end
  for _, note in ipairs(region.notes) do soundloom.note(note) end

  local span = soundloom.seconds(region.start) .. ":" .. soundloom.seconds(region.finish)
  soundloom.run("regenerating " .. span .. " s", "regen",
    { "--region", span, "--json" }, { take.file, prompt },
    function(takes)
      soundloom.add_take(take.item, takes[1], take, "soundloom: regenerate " .. span .. " s")
    end)
end

main()
