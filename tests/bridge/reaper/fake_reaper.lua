-- A recording stand-in for REAPER's ReaScript API, for running the soundloom ReaScripts under
-- plain lua5.4. REAPER itself cannot be installed on test machines, so this fake plays its part:
-- it holds a small project (items, takes, sources, tracks, time selection) described by a test
-- scenario, answers the API calls the way REAPER documents them, records every call, and writes
-- the call log and the project's final state as JSON for the test to check.
--
-- What is real: the Lua interpreter, the file system (file_exists, the scripts' own file reads),
-- os.execute (so the soundloom command, or a stand-in bridge program, really runs in the
-- background), and time in the sense that each defer cycle sleeps like REAPER's ~30 Hz timer.
-- Any API function the fake does not know raises an error, so a script cannot quietly depend on
-- something untested.

local fake = {}

---------------------------------------------------------------------------------------------------
-- JSON output

local function encode(value, out)
  local kind = type(value)
  if value == nil then
    out[#out + 1] = "null"
  elseif kind == "boolean" then
    out[#out + 1] = tostring(value)
  elseif kind == "number" then
    if value ~= value or value == math.huge or value == -math.huge then
      out[#out + 1] = "null"
    elseif math.type(value) == "integer" then
      out[#out + 1] = string.format("%d", value)
    else
      out[#out + 1] = string.format("%.17g", value)
    end
  elseif kind == "string" then
    out[#out + 1] = '"' .. value:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
    end) .. '"'
  elseif kind == "table" then
    if value.__id then
      out[#out + 1] = '"' .. value.__id .. '"'
    elseif value.__array or #value > 0 or next(value) == nil then
      out[#out + 1] = "["
      for i = 1, (value.n or #value) do
        if i > 1 then out[#out + 1] = "," end
        encode(value[i], out)
      end
      out[#out + 1] = "]"
    else
      out[#out + 1] = "{"
      local keys = {}
      for key in pairs(value) do keys[#keys + 1] = tostring(key) end
      table.sort(keys)
      for i, key in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        encode(key, out)
        out[#out + 1] = ":"
        encode(value[key], out)
      end
      out[#out + 1] = "}"
    end
  else
    out[#out + 1] = '"<' .. kind .. '>"'
  end
end

function fake.to_json(value)
  local out = {}
  encode(value, out)
  return table.concat(out)
end

---------------------------------------------------------------------------------------------------
-- The project

local function file_exists(path)
  local handle = io.open(path, "rb")
  if handle then handle:close() end
  return handle ~= nil
end

function fake.install(scenario)
  local world = {
    calls = {},
    message_boxes = {},
    console = {},
    undo_points = {},
    undo_depth = 0,
    changes_outside_undo = {},
    drawn = {},
    windows = {},
    iterations = 0,
    clock = 0,
    deferred = {},
    ext_state = {},
    inputs = scenario.user_inputs or {},
    inputs_used = 0,
    errors = {},
  }
  local counters = {}
  local function new_object(kind, prefix, fields)
    counters[prefix] = (counters[prefix] or 0) + 1
    fields.__id = prefix .. counters[prefix]
    fields.__kind = kind
    return fields
  end

  for key, value in pairs(scenario.ext_state or {}) do world.ext_state[key] = value end

  local function make_source(spec)
    local source = new_object("PCM_source*", "source", {
      type = spec.type or "WAVE",
      file = spec.file or "",
      length = spec.length or 0,
      offset = spec.offset or 0,
      reversed = spec.reversed or false,
    })
    if spec.parent then source.parent = make_source(spec.parent) end
    return source
  end

  local tracks, items = {}, {}
  for _, spec in ipairs(scenario.tracks or {}) do
    local track = new_object("MediaTrack*", "track", { name = spec.name or "", selected = spec.selected or false })
    tracks[#tracks + 1] = track
  end
  local function track_named(name)
    for _, track in ipairs(tracks) do
      if track.name == name then return track end
    end
    return tracks[1]
  end

  local TAKE_DEFAULTS = { D_STARTOFFS = 0, D_PLAYRATE = 1, D_PITCH = 0, B_PPITCH = 1, D_VOL = 1, D_PAN = 0, I_CHANMODE = 0 }

  local function make_take(item, spec)
    local take = new_object("MediaItem_Take*", "take", {
      item = item,
      name = spec.name or "",
      midi = spec.midi or false,
      stretch_markers = spec.stretch_markers or 0,
      playrate_envelope_points = spec.playrate_envelope_points,
      values = {},
    })
    for name, default in pairs(TAKE_DEFAULTS) do take.values[name] = default end
    if spec.start_offset then take.values.D_STARTOFFS = spec.start_offset end
    if spec.playrate then take.values.D_PLAYRATE = spec.playrate end
    if spec.pitch then take.values.D_PITCH = spec.pitch end
    if spec.volume then take.values.D_VOL = spec.volume end
    if spec.source then take.source = make_source(spec.source) end
    return take
  end

  for _, spec in ipairs(scenario.items or {}) do
    local item = new_object("MediaItem*", "item", {
      position = spec.position or 0,
      length = spec.length or 1,
      selected = spec.selected ~= false,
      track = track_named(spec.track),
      takes = {},
      active = spec.active_take or 1,
      deleted = false,
    })
    for _, take_spec in ipairs(spec.takes or {}) do item.takes[#item.takes + 1] = make_take(item, take_spec) end
    items[#items + 1] = item
  end
  world.items, world.tracks = items, tracks

  local function selected_items()
    local list = {}
    for _, item in ipairs(items) do
      if item.selected and not item.deleted then list[#list + 1] = item end
    end
    return list
  end

  local function check(object, kind, fn)
    if type(object) ~= "table" or object.__kind ~= kind then
      error(string.format("%s: expected %s, got %s", fn, kind, type(object) == "table" and object.__id or tostring(object)), 3)
    end
  end

  local function changed(fn)
    if world.undo_depth == 0 then world.changes_outside_undo[#world.changes_outside_undo + 1] = fn end
  end

  -------------------------------------------------------------------------------------------------
  -- The API, as REAPER documents it

  local api = {}

  function api.GetOS() return scenario.os or "Other" end
  function api.GetResourcePath() return scenario.resource_path or "/tmp" end
  function api.time_precise() return world.clock end
  function api.get_action_context() return false, scenario.script_path or "", 0, 0, 0, 0, 0, "" end

  function api.ShowMessageBox(message, title, kind)
    world.message_boxes[#world.message_boxes + 1] = { message = message, title = title, kind = kind }
    return 1
  end
  function api.ShowConsoleMsg(text) world.console[#world.console + 1] = text end

  function api.GetExtState(section, key) return world.ext_state[section .. "/" .. key] or "" end
  function api.SetExtState(section, key, value, persist)
    world.ext_state[section .. "/" .. key] = value
  end

  function api.GetUserInputs(title, count, captions, defaults)
    world.inputs_used = world.inputs_used + 1
    local answer = world.inputs[world.inputs_used]
    if not answer then error("GetUserInputs: the scenario gives no answer for dialog '" .. title .. "'", 2) end
    return answer[1], answer[2] or defaults
  end

  function api.file_exists(path) return file_exists(path) end
  function api.RecursiveCreateDirectory(path, ignored)
    os.execute("mkdir -p '" .. path:gsub("'", "'\\''") .. "'")
    return 1
  end

  function api.defer(fn)
    if type(fn) ~= "function" then error("defer: expected a function", 2) end
    world.deferred[#world.deferred + 1] = fn
    return true
  end

  -- Windows only: the scripts use os.execute on POSIX. There is no Windows here to start the
  -- command line on, so the fake records it and answers as REAPER does for a started process.
  function api.ExecProcess(cmdline, timeout)
    world.exec = world.exec or {}
    world.exec[#world.exec + 1] = { cmdline = cmdline, timeout = timeout }
    return scenario.exec_process_result
  end

  function api.GetSet_LoopTimeRange(set, loop, start, finish, autoseek)
    if set then error("GetSet_LoopTimeRange: the scripts only read the time selection", 2) end
    local selection = scenario.time_selection or { 0, 0 }
    return selection[1], selection[2]
  end

  function api.CountSelectedMediaItems(project) return #selected_items() end
  function api.GetSelectedMediaItem(project, index) return selected_items()[index + 1] end

  function api.GetActiveTake(item)
    check(item, "MediaItem*", "GetActiveTake")
    return item.takes[item.active]
  end
  function api.TakeIsMIDI(take)
    check(take, "MediaItem_Take*", "TakeIsMIDI")
    return take.midi
  end
  function api.GetMediaItemTake_Source(take)
    check(take, "MediaItem_Take*", "GetMediaItemTake_Source")
    return take.source
  end
  function api.GetMediaSourceParent(source)
    check(source, "PCM_source*", "GetMediaSourceParent")
    return source.parent
  end
  function api.PCM_Source_GetSectionInfo(source)
    check(source, "PCM_source*", "PCM_Source_GetSectionInfo")
    if source.type == "SECTION" then return true, source.offset, source.length, source.reversed end
    return false, 0, source.length, false
  end
  function api.GetMediaSourceType(source, buffer)
    check(source, "PCM_source*", "GetMediaSourceType")
    return source.type
  end
  function api.GetMediaSourceFileName(source, buffer)
    check(source, "PCM_source*", "GetMediaSourceFileName")
    if source.type == "SECTION" or source.type == "MIDI" then return "" end
    return source.file
  end
  function api.GetMediaSourceLength(source)
    check(source, "PCM_source*", "GetMediaSourceLength")
    return source.length, false
  end
  function api.GetTakeNumStretchMarkers(take)
    check(take, "MediaItem_Take*", "GetTakeNumStretchMarkers")
    return take.stretch_markers
  end
  function api.GetTakeEnvelopeByName(take, name)
    check(take, "MediaItem_Take*", "GetTakeEnvelopeByName")
    if name == "Playrate" and take.playrate_envelope_points then
      take.envelope = take.envelope or new_object("TrackEnvelope*", "envelope", { points = take.playrate_envelope_points })
      return take.envelope
    end
    return nil
  end
  function api.CountEnvelopePoints(envelope)
    check(envelope, "TrackEnvelope*", "CountEnvelopePoints")
    return envelope.points
  end

  function api.GetMediaItemTakeInfo_Value(take, name)
    check(take, "MediaItem_Take*", "GetMediaItemTakeInfo_Value")
    if take.values[name] == nil then error("GetMediaItemTakeInfo_Value: unknown parameter " .. name, 2) end
    return take.values[name]
  end
  function api.SetMediaItemTakeInfo_Value(take, name, value)
    check(take, "MediaItem_Take*", "SetMediaItemTakeInfo_Value")
    if take.values[name] == nil then error("SetMediaItemTakeInfo_Value: unknown parameter " .. name, 2) end
    if type(value) ~= "number" then error("SetMediaItemTakeInfo_Value: value must be a number", 2) end
    changed("SetMediaItemTakeInfo_Value")
    take.values[name] = value
    return true
  end
  function api.GetSetMediaItemTakeInfo_String(take, name, value, set)
    check(take, "MediaItem_Take*", "GetSetMediaItemTakeInfo_String")
    if name ~= "P_NAME" then error("GetSetMediaItemTakeInfo_String: the fake knows only P_NAME", 2) end
    if set then
      changed("GetSetMediaItemTakeInfo_String")
      take.name = value
    end
    return true, take.name
  end

  local ITEM_VALUES = { D_POSITION = "position", D_LENGTH = "length" }
  function api.GetMediaItemInfo_Value(item, name)
    check(item, "MediaItem*", "GetMediaItemInfo_Value")
    if not ITEM_VALUES[name] then error("GetMediaItemInfo_Value: the fake knows only D_POSITION and D_LENGTH", 2) end
    return item[ITEM_VALUES[name]]
  end
  function api.SetMediaItemInfo_Value(item, name, value)
    check(item, "MediaItem*", "SetMediaItemInfo_Value")
    if not ITEM_VALUES[name] then error("SetMediaItemInfo_Value: the fake knows only D_POSITION and D_LENGTH", 2) end
    changed("SetMediaItemInfo_Value")
    item[ITEM_VALUES[name]] = value
    return true
  end

  function api.ValidatePtr2(project, pointer, kind)
    if type(pointer) ~= "table" or pointer.__kind ~= kind then return false end
    return not pointer.deleted
  end

  function api.PCM_Source_CreateFromFile(path)
    if not file_exists(path) then return nil end
    return new_object("PCM_source*", "source", { type = "WAVE", file = path, length = 0, offset = 0, reversed = false })
  end

  function api.Undo_BeginBlock() world.undo_depth = world.undo_depth + 1 end
  function api.Undo_EndBlock(label, flags)
    if world.undo_depth == 0 then error("Undo_EndBlock without Undo_BeginBlock", 2) end
    world.undo_depth = world.undo_depth - 1
    world.undo_points[#world.undo_points + 1] = { label = label, flags = flags }
  end

  function api.AddTakeToMediaItem(item)
    check(item, "MediaItem*", "AddTakeToMediaItem")
    changed("AddTakeToMediaItem")
    local take = make_take(item, {})
    item.takes[#item.takes + 1] = take
    return take
  end
  function api.SetMediaItemTake_Source(take, source)
    check(take, "MediaItem_Take*", "SetMediaItemTake_Source")
    check(source, "PCM_source*", "SetMediaItemTake_Source")
    changed("SetMediaItemTake_Source")
    take.source = source
    return true
  end
  function api.SetActiveTake(take)
    check(take, "MediaItem_Take*", "SetActiveTake")
    changed("SetActiveTake")
    for index, candidate in ipairs(take.item.takes) do
      if candidate == take then take.item.active = index end
    end
  end
  function api.UpdateArrange() world.arrange_updated = (world.arrange_updated or 0) + 1 end

  function api.CountSelectedTracks(project)
    local count = 0
    for _, track in ipairs(tracks) do if track.selected then count = count + 1 end end
    return count
  end
  function api.GetSelectedTrack(project, index)
    local seen = 0
    for _, track in ipairs(tracks) do
      if track.selected then
        if seen == index then return track end
        seen = seen + 1
      end
    end
  end
  function api.GetProjectPath(buffer) return scenario.project_path or "" end
  function api.AddMediaItemToTrack(track)
    check(track, "MediaTrack*", "AddMediaItemToTrack")
    changed("AddMediaItemToTrack")
    local item = new_object("MediaItem*", "item", {
      position = 0, length = 0, selected = false, track = track, takes = {}, active = 1, deleted = false,
    })
    items[#items + 1] = item
    return item
  end

  -- Every call is recorded with its arguments (objects by id) and the undo depth it ran at.
  reaper = setmetatable({}, {
    __index = function(_, name)
      local fn = api[name]
      if not fn then error("the fake REAPER has no " .. name, 2) end
      return function(...)
        local args = table.pack(...)
        args.__array = true
        world.calls[#world.calls + 1] = { fn = name, args = args, undo_depth = world.undo_depth }
        return fn(...)
      end
    end,
  })

  -------------------------------------------------------------------------------------------------
  -- gfx: the progress window. Repaints are not logged one by one; what was drawn is.

  local gfx_api = {}
  function gfx_api.init(title, w, h)
    world.windows[#world.windows + 1] = { title = title, closed = false }
    rawset(gfx, "w", w); rawset(gfx, "h", h)
    return 1
  end
  function gfx_api.setfont() end
  function gfx_api.set() end
  function gfx_api.rect(x, y, w, h, filled)
    if w ~= w or h ~= h then error("gfx.rect: NaN size", 2) end
  end
  function gfx_api.drawstr(text)
    if world.drawn[#world.drawn] ~= text then world.drawn[#world.drawn + 1] = text end
    -- scenario.release_when_drawn = {text, path}: the file appears once the window has shown the
    -- text, so a stand-in command that waits for it finishes only after its progress was seen.
    local release = scenario.release_when_drawn
    if release and text:find(release[1], 1, true) then
      local handle = io.open(release[2], "ab")
      if handle then handle:close() end
    end
  end
  function gfx_api.update() end
  function gfx_api.getchar()
    if scenario.close_window_after and world.iterations >= scenario.close_window_after then return -1 end
    return 0
  end
  function gfx_api.quit()
    local window = world.windows[#world.windows]
    if window then window.closed = true end
  end
  gfx = setmetatable({ x = 0, y = 0, w = 0, h = 0 }, {
    __index = function(_, name)
      local fn = gfx_api[name]
      if not fn then error("the fake gfx has no " .. name, 2) end
      return fn
    end,
  })

  -------------------------------------------------------------------------------------------------
  -- Driving deferred functions the way REAPER's timer does

  function world.run_deferred()
    local limit = scenario.max_iterations or 6000
    local period = 1 / 30
    while #world.deferred > 0 do
      if world.iterations >= limit then
        world.defer_limit_reached = true
        return
      end
      world.iterations = world.iterations + 1
      world.clock = world.clock + period
      if scenario.delete_item_after and world.iterations == scenario.delete_item_after then
        for _, item in ipairs(items) do item.deleted = true end
      end
      local pending = world.deferred
      world.deferred = {}
      for _, fn in ipairs(pending) do
        local ok, err = xpcall(fn, debug.traceback)
        if not ok then world.errors[#world.errors + 1] = err end
      end
      -- A background program is doing the work; give it real time as REAPER's timer would.
      local pause = scenario.sleep_s or 0.02
      if #world.deferred > 0 and pause > 0 then os.execute("sleep " .. pause) end
    end
  end

  function world.state()
    local out_items = {}
    for _, item in ipairs(items) do
      local takes = {}
      for _, take in ipairs(item.takes) do
        local root = take.source
        while root and root.parent do root = root.parent end
        takes[#takes + 1] = {
          id = take.__id, name = take.name, file = root and root.file or nil, values = take.values,
        }
      end
      out_items[#out_items + 1] = {
        id = item.__id, position = item.position, length = item.length, track = item.track and item.track.__id,
        active_take = item.takes[item.active] and item.takes[item.active].__id, takes = takes,
        deleted = item.deleted,
      }
    end
    return out_items
  end

  function world.report()
    return {
      calls = world.calls,
      message_boxes = world.message_boxes,
      console = world.console,
      undo_points = world.undo_points,
      undo_depth = world.undo_depth,
      changes_outside_undo = world.changes_outside_undo,
      drawn = world.drawn,
      windows = world.windows,
      iterations = world.iterations,
      top_level_calls = world.top_level_calls,
      defer_limit_reached = world.defer_limit_reached or false,
      pending_deferred = #world.deferred,
      ext_state = world.ext_state,
      exec = world.exec or {},
      errors = world.errors,
      inputs_used = world.inputs_used,
      items = world.state(),
    }
  end

  return world
end

return fake
