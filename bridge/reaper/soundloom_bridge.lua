-- soundloom: code shared by the soundloom ReaScripts (not an action itself; the scripts load it).
--
-- It finds the `soundloom` command, starts it without blocking REAPER, shows its progress in a
-- small window while it runs, reads the selection and the selected take, maps project time to
-- seconds in the take's source file, and adds the result as a take or an item in one undo block.
--
-- Where the `soundloom` command is looked up, first match wins:
--   1. the ExtState override: reaper.SetExtState("soundloom", "command", "/full/path/soundloom", true)
--   2. soundloom_command.txt beside this file (written by `soundloom bridge install reaper`)
--   3. every folder on PATH (REAPER started from the Dock or Start menu often has a short PATH)
--   4. asking once for the full path, which is then kept as the ExtState override.

local M = {}

local folder = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or ""
M.folder = folder
M.json = dofile(folder .. "soundloom_json.lua")

M.NAME = "soundloom"
local EXT = "soundloom"

-- Seconds to wait for the command's first progress report before calling it lost; covers a cold
-- Python start on a slow machine. On POSIX a command that dies is noticed sooner (its exit status).
M.START_TIMEOUT_S = 120
-- How often the progress file is read (seconds); the window itself repaints on every defer cycle.
M.POLL_INTERVAL_S = 0.2

---------------------------------------------------------------------------------------------------
-- Messages

--- A blocking message box with the one-line reason something could not be done.
function M.error_box(message)
  reaper.ShowMessageBox(message, M.NAME, 0)
end

--- A line in REAPER's console, for things the user should know but need not confirm.
function M.note(message)
  reaper.ShowConsoleMsg(M.NAME .. ": " .. message .. "\n")
end

---------------------------------------------------------------------------------------------------
-- Files and paths

function M.is_windows()
  return (reaper.GetOS() or ""):match("^Win") ~= nil
end

function M.join(dir, name)
  if dir:match("[/\\]$") then return dir .. name end
  return dir .. (M.is_windows() and "\\" or "/") .. name
end

function M.basename(path)
  return path:match("([^/\\]+)$") or path
end

function M.read_file(path)
  local handle = io.open(path, "rb")
  if not handle then return nil end
  local text = handle:read("a")
  handle:close()
  return text
end

--- The last non-empty line of a text, trimmed (e.g. the one-line error a command printed last).
function M.last_line(text)
  local last
  for line in (text or ""):gmatch("[^\r\n]+") do
    if line:match("%S") then last = line end
  end
  return last and last:match("^%s*(.-)%s*$")
end

---------------------------------------------------------------------------------------------------
-- Quoting

--- One argument for /bin/sh: inside single quotes every byte is literal except the single quote
--- itself, which is closed, escaped and reopened. Exact for any text (quotes, spaces, $, UTF-8).
function M.quote_posix(arg)
  return "'" .. arg:gsub("'", "'\\''") .. "'"
end

--- One argument for a Windows command line, quoted so that the C runtime's splitting
--- (CommandLineToArgvW rules, which Python's launcher uses) gives back exactly `arg`:
--- backslashes are literal unless they precede a double quote, where they come in pairs.
function M.quote_windows(arg)
  if arg ~= "" and not arg:find('[ \t\n\v"]') then return arg end
  local out, backslashes = { '"' }, 0
  for c in arg:gmatch(".") do
    if c == "\\" then
      backslashes = backslashes + 1
    elseif c == '"' then
      out[#out + 1] = string.rep("\\", 2 * backslashes + 1) .. '"'
      backslashes = 0
    else
      out[#out + 1] = string.rep("\\", backslashes) .. c
      backslashes = 0
    end
  end
  out[#out + 1] = string.rep("\\", 2 * backslashes) .. '"'
  return table.concat(out)
end

function M.command_line(words, quote)
  local quoted = {}
  for i, word in ipairs(words) do quoted[i] = quote(word) end
  return table.concat(quoted, " ")
end

---------------------------------------------------------------------------------------------------
-- The soundloom command

local function find_on_path()
  local name = M.is_windows() and "soundloom.exe" or "soundloom"
  local list_separator = M.is_windows() and ";" or ":"
  for dir in (os.getenv("PATH") or ""):gmatch("[^" .. list_separator .. "]+") do
    local candidate = M.join(dir, name)
    if reaper.file_exists(candidate) then return candidate end
  end
end

--- The full path of the soundloom command, or nil (after telling the user why) when there is none.
function M.command()
  local override = reaper.GetExtState(EXT, "command")
  if override ~= "" and reaper.file_exists(override) then return override end
  if override == "" then
    local recorded = M.last_line(M.read_file(folder .. "soundloom_command.txt"))
    if recorded and reaper.file_exists(recorded) then return recorded end
    local found = find_on_path()
    if found then return found end
  end
  local ok, answer = reaper.GetUserInputs(M.NAME .. ": where is the soundloom command?", 1,
    "Full path of soundloom:,extrawidth=320", override)
  if not ok then return nil end
  answer = answer:match("^%s*(.-)%s*$")
  if answer == "" or not reaper.file_exists(answer) then
    M.error_box("command: no file at '" .. answer .. "'; give the full path of the soundloom program"
      .. " (`which soundloom` in a terminal shows it)")
    return nil
  end
  reaper.SetExtState(EXT, "command", answer, true)
  return answer
end

---------------------------------------------------------------------------------------------------
-- Starting the command without blocking REAPER

local function temp_folder()
  if M.is_windows() then
    return os.getenv("TEMP") or os.getenv("TMP") or reaper.GetResourcePath()
  end
  return os.getenv("TMPDIR") or "/tmp"
end

--- Paths of one job's files: the progress file the command rewrites, and on POSIX the command's
--- output and its exit status (so a command that dies before reporting is noticed at once).
function M.new_job()
  local fraction = math.floor((reaper.time_precise() % 1) * 1e6)
  local stem = M.join(temp_folder(),
    string.format("soundloom-%d-%06d-%04d", os.time(), fraction, math.random(0, 9999)))
  return { progress = stem .. ".progress.json", log = stem .. ".log", status = stem .. ".status" }
end

-- Why two mechanisms: on macOS and Linux os.execute hands its string to /bin/sh, whose quoting is
-- exact for any argument, and a trailing `&` makes the shell return at once; reaper.ExecProcess
-- would split the line by REAPER's own, undocumented rules there, so quotes inside a prompt could
-- not be passed reliably. On Windows os.execute goes through cmd.exe, which flashes a console
-- window and has no exact quoting (% and ^ are special), while ExecProcess(cmd, -2) starts the
-- program directly, does not wait, keeps its console minimised, and the program splits its command
-- line by the documented C-runtime rules that quote_windows follows.
function M.launch(words, job)
  if M.is_windows() then
    if not reaper.ExecProcess(M.command_line(words, M.quote_windows), -2) then
      return nil, "could not start " .. words[1]
    end
    return true
  end
  local q = M.quote_posix
  local line = string.format("{ %s </dev/null >%s 2>&1; echo $? >%s; mv -f %s %s; } >/dev/null 2>&1 &",
    M.command_line(words, q), q(job.log), q(job.status .. ".tmp"), q(job.status .. ".tmp"), q(job.status))
  if not os.execute(line) then
    return nil, "could not start /bin/sh to run " .. words[1]
  end
  return true
end

---------------------------------------------------------------------------------------------------
-- Progress window

local Window = {}
Window.__index = Window

--- A small window with a progress bar; closing it (or Esc) hides it while the work goes on.
function M.open_window(title)
  gfx.init(M.NAME .. " - " .. title, 440, 84)
  gfx.setfont(1, "Arial", 15)
  return setmetatable({ title = title, open = true }, Window)
end

function Window:draw(fraction, message)
  if not self.open then return end
  local key = gfx.getchar()
  if key < 0 or key == 27 then
    self:close()
    return
  end
  local width = gfx.w - 20
  gfx.set(0.16, 0.16, 0.17)
  gfx.rect(0, 0, gfx.w, gfx.h, 1)
  gfx.set(0.92, 0.92, 0.92)
  gfx.x, gfx.y = 10, 8
  gfx.drawstr(self.title)
  gfx.set(0.3, 0.3, 0.32)
  gfx.rect(10, 32, width, 14, 1)
  gfx.set(0.35, 0.72, 0.47)
  gfx.rect(10, 32, math.floor(width * math.max(0, math.min(1, fraction)) + 0.5), 14, 1)
  gfx.set(0.8, 0.8, 0.8)
  gfx.x, gfx.y = 10, 56
  gfx.drawstr(message)
  gfx.update()
end

function Window:close()
  if self.open then
    gfx.quit()
    self.open = false
  end
end

---------------------------------------------------------------------------------------------------
-- Running a soundloom command

local function read_progress(path)
  local text = M.read_file(path)
  if not text or text == "" then return nil end
  -- The command replaces the file atomically, so a file that does not parse is not ours to judge
  -- half-written; it is read again on the next poll.
  local state = M.json.decode(text)
  if type(state) ~= "table" then return nil end
  return state
end

local function is_final(state)
  return state and (state.state == "done" or state.state == "failed")
end

local function remove_job_files(job)
  for _, path in ipairs({ job.progress, job.log, job.status, job.status .. ".tmp" }) do
    os.remove(path)
  end
end

-- The command reports "done" a moment before it exits, and on POSIX its exit status is written
-- after that; the job's files are removed once it is there (or after a minute, if it never is).
local function remove_job_files_after_exit(job)
  local since = reaper.time_precise()
  local function check()
    if M.is_windows() or M.read_file(job.status) or reaper.time_precise() - since > 60 then
      return remove_job_files(job)
    end
    reaper.defer(check)
  end
  check()
end

--- Runs `soundloom <subcommand> <options…> -- <positionals…>` in the background with a progress
--- file, shows its progress, and calls on_done(takes) with the result paths when it succeeds.
--- A failure shows the command's one-line error. Returns at once; the rest runs in reaper.defer.
function M.run(title, subcommand, options, positionals, on_done)
  local command = M.command()
  if not command then return end
  local job = M.new_job()
  local words = { command, subcommand, "--progress-file", job.progress }
  for _, option in ipairs(options) do words[#words + 1] = option end
  -- `--` ends the options, so a prompt that starts with "-" is still taken as the prompt.
  words[#words + 1] = "--"
  for _, positional in ipairs(positionals) do words[#words + 1] = positional end

  local started, why = M.launch(words, job)
  if not started then
    M.error_box(why)
    return
  end

  local window = M.open_window(title)
  local began = reaper.time_precise()
  local last_read = -math.huge
  local fraction, message = 0, "starting soundloom…"

  local function finish(state, exit_status)
    window:close()
    local log = M.read_file(job.log)
    remove_job_files_after_exit(job)
    if state and state.state == "done" then
      local takes = type(state.takes) == "table" and state.takes or {}
      if #takes == 0 then
        M.error_box("soundloom finished but reported no file")
      else
        on_done(takes, state)
      end
      return
    end
    local reason = state and type(state.message) == "string" and state.message ~= "" and state.message
    if not reason and exit_status then
      reason = M.last_line(log) or string.format("soundloom stopped with exit status %s", exit_status)
    end
    M.error_box(reason or "soundloom failed without saying why")
  end

  local function poll()
    local now = reaper.time_precise()
    if now - last_read >= M.POLL_INTERVAL_S then
      last_read = now
      local state = read_progress(job.progress)
      if is_final(state) then return finish(state) end
      local exit_status = M.last_line(M.read_file(job.status))
      if exit_status then
        -- The command has exited; its final report may have landed just after the read above.
        return finish(read_progress(job.progress), exit_status)
      end
      if state then
        fraction = tonumber(state.progress) or fraction
        if type(state.message) == "string" and state.message ~= "" then message = state.message end
      elseif now - began > M.START_TIMEOUT_S then
        return finish({ state = "failed", message = string.format(
          "soundloom did not report progress within %d s; check the command path (%s)",
          M.START_TIMEOUT_S, command) })
      end
    end
    window:draw(fraction, message)
    reaper.defer(poll)
  end

  reaper.defer(poll)
end

---------------------------------------------------------------------------------------------------
-- Asking

-- Options the scripts set themselves; typed into the options field they would contradict them.
local RESERVED_OPTIONS = {
  ["--progress-file"] = true, ["--json"] = true, ["--region"] = true, ["--prompt"] = true,
  ["--seconds"] = true, ["--bars"] = true, ["-o"] = true, ["--output"] = true, ["--in-place"] = true,
  ["--again"] = true, ["--next-variation"] = true, ["--"] = true,
}

--- The words of an options line, split at spaces; "double quotes" keep spaces in one word.
--- Returns the list, or nil and a one-line reason.
function M.split_options(text)
  local words, current, quoted, have = {}, {}, false, false
  for c in (text .. " "):gmatch(".") do
    if c == '"' then
      quoted, have = not quoted, true
    elseif c:match("%s") and not quoted then
      if have then words[#words + 1] = table.concat(current) end
      current, have = {}, false
    else
      current[#current + 1] = c
      have = true
    end
  end
  if quoted then return nil, "options: a double quote is not closed" end
  for _, word in ipairs(words) do
    local name = word:match("^([^=]+)=") or word
    if RESERVED_OPTIONS[name] then
      return nil, string.format("options: %s is set by the script; leave it out (allowed: --steps, --seed, "
        .. "--model, --negative, -n and the other options of the command)", name)
    end
  end
  return words
end

--- Asks for a prompt and extra command options (both offered again next time).
--- Returns the prompt and the list of option words, or nil when cancelled or invalid.
function M.ask_prompt(title)
  local defaults = reaper.GetExtState(EXT, "last_prompt") .. "\n" .. reaper.GetExtState(EXT, "options")
  local ok, answer = reaper.GetUserInputs(M.NAME .. ": " .. title, 2,
    "Prompt:,Options (e.g. --steps 10 --seed 7):,separator=\n,extrawidth=360", defaults)
  if not ok then return nil end
  local prompt, options = answer:match("^(.-)\n(.*)$")
  if not prompt then prompt, options = answer, "" end
  prompt, options = prompt:match("^%s*(.-)%s*$"), options:match("^%s*(.-)%s*$")
  if prompt == "" then
    M.error_box("prompt: describe the sound to make (1 to 2000 characters)")
    return nil
  end
  local words, why = M.split_options(options)
  if not words then
    M.error_box(why)
    return nil
  end
  reaper.SetExtState(EXT, "last_prompt", prompt, true)
  reaper.SetExtState(EXT, "options", options, true)
  return prompt, words
end

---------------------------------------------------------------------------------------------------
-- Reading the project

--- Start and end of the time selection in project seconds, or nil and why there is none.
function M.time_selection()
  local start, finish = reaper.GetSet_LoopTimeRange(false, false, 0, 0, false)
  if finish - start <= 0 then
    return nil, "no time selection: drag over the part to work on first"
  end
  return start, finish
end

-- Take properties a new take copies from the one it replaces, so it plays the same way.
local COPIED_TAKE_VALUES = { "D_PLAYRATE", "D_PITCH", "B_PPITCH", "D_VOL", "D_PAN", "I_CHANMODE" }

--- The selected item's active take as a plain audio file, or nil and why it cannot be used.
--- Fields: item, take, file, offset (seconds into the file where the item starts), playrate,
--- position and length (project seconds), source_length (seconds), values (to copy).
function M.selected_audio_take()
  local count = reaper.CountSelectedMediaItems(0)
  if count == 0 then return nil, "no item selected: select the audio item to work on" end
  if count > 1 then
    return nil, string.format("%d items are selected: select just the one to work on", count)
  end
  local item = reaper.GetSelectedMediaItem(0, 0)
  local take = reaper.GetActiveTake(item)
  if not take then return nil, "the selected item is empty: it has no take" end
  if reaper.TakeIsMIDI(take) then
    return nil, "the selected item is MIDI: soundloom works on audio takes"
  end

  -- A take that is trimmed to a section, or reversed, plays a section source wrapped around the
  -- file; its offsets add up, and a reversed one would need the whole mapping mirrored.
  local source = reaper.GetMediaItemTake_Source(take)
  local section_offset = 0
  local parent = reaper.GetMediaSourceParent(source)
  while parent do
    local is_section, offset, _, reversed = reaper.PCM_Source_GetSectionInfo(source)
    if reversed then
      return nil, "the take is reversed: reverse it back (Item properties: Toggle take reverse) first"
    end
    if is_section then section_offset = section_offset + offset end
    source = parent
    parent = reaper.GetMediaSourceParent(source)
  end

  local kind = reaper.GetMediaSourceType(source, "")
  if kind == "MIDI" or kind == "MIDIPOOL" then
    return nil, "the selected item is MIDI: soundloom works on audio takes"
  end
  local file = reaper.GetMediaSourceFileName(source, "")
  if file == "" then
    return nil, string.format("the take's source is not an audio file (REAPER type %s)", kind)
  end
  if not reaper.file_exists(file) then
    return nil, "the take's source file is missing or offline: " .. file
  end
  -- Stretch markers and a playrate envelope bend the project-to-file mapping in ways a single
  -- offset and rate cannot express, so the regenerated seconds would land in the wrong place.
  if reaper.GetTakeNumStretchMarkers(take) > 0 then
    return nil, "the take has stretch markers: remove them (or glue the item) first"
  end
  local envelope = reaper.GetTakeEnvelopeByName(take, "Playrate")
  if envelope and reaper.CountEnvelopePoints(envelope) > 0 then
    return nil, "the take has a playrate envelope: remove it (or glue the item) first"
  end

  local values = {}
  for _, name in ipairs(COPIED_TAKE_VALUES) do
    values[name] = reaper.GetMediaItemTakeInfo_Value(take, name)
  end
  return {
    item = item,
    take = take,
    file = file,
    offset = reaper.GetMediaItemTakeInfo_Value(take, "D_STARTOFFS") + section_offset,
    playrate = values.D_PLAYRATE,
    position = reaper.GetMediaItemInfo_Value(item, "D_POSITION"),
    length = reaper.GetMediaItemInfo_Value(item, "D_LENGTH"),
    source_length = (reaper.GetMediaSourceLength(source)),
    values = values,
  }
end

--- The project-time selection [start, finish] as seconds in the take's source file:
--- file_seconds = offset + (project_seconds - item_position) * playrate. A selection reaching
--- outside the item (or the item outside its file) is clipped, with a note saying so.
--- Returns {start, finish, notes} or nil and why nothing is left.
function M.source_region(info, start, finish)
  local item_end = info.position + info.length
  local from, to = math.max(start, info.position), math.min(finish, item_end)
  if to <= from then
    return nil, "the time selection does not overlap the selected item"
  end
  local notes = {}
  if start < info.position then
    notes[#notes + 1] = "the time selection starts before the item: using it from the item's start"
  end
  if finish > item_end then
    notes[#notes + 1] = "the time selection runs past the item: using it up to the item's end"
  end
  local file_from = info.offset + (from - info.position) * info.playrate
  local file_to = info.offset + (to - info.position) * info.playrate
  if file_from < 0 then
    file_from = 0
    notes[#notes + 1] = "the selection starts before the audio file does: using it from the file's start"
  end
  if file_to > info.source_length then
    file_to = info.source_length
    notes[#notes + 1] = "the selection runs past the end of the audio file: using it up to the file's end"
  end
  if file_to <= file_from then
    return nil, "the time selection covers no audio of the item's file (only silence or a loop repeat)"
  end
  return { start = file_from, finish = file_to, notes = notes }
end

--- Seconds as the command line takes them: enough digits for sample accuracy at any rate.
function M.seconds(value)
  local text = string.format("%.9f", value):gsub("0+$", ""):gsub("%.$", "")
  return text
end

---------------------------------------------------------------------------------------------------
-- Changing the project (each change is one undo point)

-- Every file is opened before the project changes, so a file REAPER cannot read leaves no half-made edit.
local function open_sources(files)
  local sources = {}
  for i, file in ipairs(files) do
    sources[i] = reaper.PCM_Source_CreateFromFile(file)
    if not sources[i] then
      M.error_box("REAPER could not open the new sound " .. file)
      return nil
    end
  end
  return sources
end

--- Adds each of `files` as a new take of `item`, lined up like `like` (from selected_audio_take);
--- the first becomes the active take. Returns true, or false after telling the user why not.
function M.add_takes(item, files, like, undo_label)
  if not reaper.ValidatePtr2(0, item, "MediaItem*") then
    M.error_box("the item was removed while soundloom worked; the new take is saved as " .. table.concat(files, ", "))
    return false
  end
  local sources = open_sources(files)
  if not sources then return false end
  reaper.Undo_BeginBlock()
  local first
  for i, file in ipairs(files) do
    local take = reaper.AddTakeToMediaItem(item)
    first = first or take
    reaper.SetMediaItemTake_Source(take, sources[i])
    -- A new file is a full-length copy of the take's file, so the same offset and rate line it up.
    reaper.SetMediaItemTakeInfo_Value(take, "D_STARTOFFS", like.offset)
    for _, name in ipairs(COPIED_TAKE_VALUES) do
      reaper.SetMediaItemTakeInfo_Value(take, name, like.values[name])
    end
    reaper.GetSetMediaItemTakeInfo_String(take, "P_NAME", M.basename(file), true)
  end
  reaper.SetActiveTake(first)
  reaper.Undo_EndBlock(undo_label, -1)
  reaper.UpdateArrange()
  return true
end

--- Adds a new item on `track` at `position` of exactly `length` seconds playing `files[1]` (any
--- further files become more takes of it). Returns true, or false after telling the user why not.
function M.add_item(track, files, position, length, name, undo_label)
  if not reaper.ValidatePtr2(0, track, "MediaTrack*") then
    M.error_box("the track was removed while soundloom worked; the sound is saved as " .. table.concat(files, ", "))
    return false
  end
  local sources = open_sources(files)
  if not sources then return false end
  reaper.Undo_BeginBlock()
  local item = reaper.AddMediaItemToTrack(track)
  reaper.SetMediaItemInfo_Value(item, "D_POSITION", position)
  reaper.SetMediaItemInfo_Value(item, "D_LENGTH", length)
  for i, source in ipairs(sources) do
    local take = reaper.AddTakeToMediaItem(item)
    reaper.SetMediaItemTake_Source(take, source)
    reaper.GetSetMediaItemTakeInfo_String(take, "P_NAME", i == 1 and name or M.basename(files[i]), true)
  end
  reaper.Undo_EndBlock(undo_label, -1)
  reaper.UpdateArrange()
  return true
end

return M
