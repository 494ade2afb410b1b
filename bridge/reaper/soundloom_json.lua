-- soundloom: a small JSON reader for the progress file that the soundloom command writes.
-- REAPER's Lua has no JSON library and scripts cannot rely on one being installed, so this reads
-- the full JSON grammar (objects, arrays, strings with escapes, numbers, true/false/null) into
-- Lua values. JSON null becomes the `null` sentinel below, so that keys holding null stay visible.

local json = {}

json.null = setmetatable({}, { __tostring = function() return "null" end })

local escapes = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

-- UTF-8 bytes of one Unicode code point.
local function utf8_char(code)
  if code < 0x80 then return string.char(code) end
  if code < 0x800 then
    return string.char(0xC0 | (code >> 6), 0x80 | (code & 0x3F))
  end
  if code < 0x10000 then
    return string.char(0xE0 | (code >> 12), 0x80 | ((code >> 6) & 0x3F), 0x80 | (code & 0x3F))
  end
  return string.char(0xF0 | (code >> 18), 0x80 | ((code >> 12) & 0x3F), 0x80 | ((code >> 6) & 0x3F),
    0x80 | (code & 0x3F))
end

local Reader = {}
Reader.__index = Reader

function Reader:fail(what)
  error({ json_error = string.format("invalid JSON at byte %d: %s", self.pos, what) }, 0)
end

function Reader:skip_space()
  self.pos = self.text:find("[^ \t\r\n]", self.pos) or (#self.text + 1)
end

function Reader:peek()
  return self.text:sub(self.pos, self.pos)
end

function Reader:expect(literal, value)
  if self.text:sub(self.pos, self.pos + #literal - 1) ~= literal then self:fail("expected " .. literal) end
  self.pos = self.pos + #literal
  return value
end

function Reader:hex4()
  local digits = self.text:match("^%x%x%x%x", self.pos)
  if not digits then self:fail("bad \\u escape") end
  self.pos = self.pos + 4
  return tonumber(digits, 16)
end

function Reader:string()
  self.pos = self.pos + 1 -- opening quote
  local parts = {}
  while true do
    local stop = self.text:find('["\\%c]', self.pos)
    if not stop then self:fail("unterminated string") end
    parts[#parts + 1] = self.text:sub(self.pos, stop - 1)
    local c = self.text:sub(stop, stop)
    self.pos = stop + 1
    if c == '"' then return table.concat(parts) end
    if c ~= "\\" then self:fail("control character in string") end
    local e = self.text:sub(self.pos, self.pos)
    self.pos = self.pos + 1
    if escapes[e] then
      parts[#parts + 1] = escapes[e]
    elseif e == "u" then
      local code = self:hex4()
      -- A character outside the Basic Multilingual Plane comes as a surrogate pair.
      if code >= 0xD800 and code <= 0xDBFF and self.text:sub(self.pos, self.pos + 1) == "\\u" then
        self.pos = self.pos + 2
        local low = self:hex4()
        if low < 0xDC00 or low > 0xDFFF then self:fail("bad surrogate pair") end
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
      end
      parts[#parts + 1] = utf8_char(code)
    else
      self:fail("bad escape \\" .. e)
    end
  end
end

function Reader:number()
  local literal = self.text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", self.pos)
  local value = literal and tonumber(literal)
  if not value then self:fail("bad number") end
  self.pos = self.pos + #literal
  return value
end

function Reader:value()
  self:skip_space()
  local c = self:peek()
  if c == "{" then return self:object() end
  if c == "[" then return self:array() end
  if c == '"' then return self:string() end
  if c == "t" then return self:expect("true", true) end
  if c == "f" then return self:expect("false", false) end
  if c == "n" then return self:expect("null", json.null) end
  if c == "-" or c:match("%d") then return self:number() end
  self:fail(c == "" and "unexpected end" or ("unexpected " .. c))
end

function Reader:object()
  self.pos = self.pos + 1
  local result = {}
  self:skip_space()
  if self:peek() == "}" then self.pos = self.pos + 1; return result end
  while true do
    self:skip_space()
    if self:peek() ~= '"' then self:fail("expected a key") end
    local key = self:string()
    self:skip_space()
    self:expect(":")
    result[key] = self:value()
    self:skip_space()
    local c = self:peek()
    self.pos = self.pos + 1
    if c == "}" then return result end
    if c ~= "," then self.pos = self.pos - 1; self:fail("expected , or }") end
  end
end

function Reader:array()
  self.pos = self.pos + 1
  local result = {}
  self:skip_space()
  if self:peek() == "]" then self.pos = self.pos + 1; return result end
  while true do
    result[#result + 1] = self:value()
    self:skip_space()
    local c = self:peek()
    self.pos = self.pos + 1
    if c == "]" then return result end
    if c ~= "," then self.pos = self.pos - 1; self:fail("expected , or ]") end
  end
end

--- The Lua value of a JSON text, or nil and a one-line reason.
function json.decode(text)
  local reader = setmetatable({ text = text, pos = 1 }, Reader)
  local ok, result = pcall(function()
    local value = reader:value()
    reader:skip_space()
    if reader.pos <= #text then reader:fail("trailing characters") end
    return value
  end)
  if ok then return result end
  if type(result) == "table" and result.json_error then return nil, result.json_error end
  error(result, 0)
end

return json
