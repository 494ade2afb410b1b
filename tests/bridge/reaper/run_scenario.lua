-- Runs one soundloom ReaScript against the fake REAPER: lua5.4 run_scenario.lua SCENARIO SCRIPT REPORT
-- SCENARIO is a Lua file returning the project table; REPORT receives the call log and final state
-- as JSON. The script's top level runs first, then its deferred functions until none remain.

local here = arg[0]:match("^(.*[/\\])") or "./"
local fake = dofile(here .. "fake_reaper.lua")
local scenario = dofile(arg[1])
scenario.script_path = arg[2]
local world = fake.install(scenario)

local ok, err = xpcall(dofile, debug.traceback, arg[2])
if not ok then world.errors[#world.errors + 1] = err end
world.top_level_calls = #world.calls  -- what the script did before REAPER got control back
world.run_deferred()

local report = io.open(arg[3], "wb")
report:write(fake.to_json(world.report()))
report:close()
