-- @description soundloom: next variation of this take
-- @about
--   Makes another variation of the selected item's active take: the same prompt and regions as
--   the take it came from, with the next seed (soundloom keeps those beside the files). Adds the
--   result as a new active take of the same item (one undo point). Needs soundloom_bridge.lua in
--   the same folder.

local folder = debug.getinfo(1, "S").source:match("^@(.*[/\\])")
  or ({ reaper.get_action_context() })[2]:match("^(.*[/\\])")
local soundloom = dofile(folder .. "soundloom_bridge.lua")

local function main()
  local take, why = soundloom.selected_audio_take()
  if not take then return soundloom.error_box(why) end
  soundloom.run("next variation of " .. soundloom.basename(take.file), "regen",
    { "--next-variation" }, { take.file },
    function(takes)
      soundloom.add_takes(take.item, takes, take, "soundloom: next variation")
    end)
end

main()
