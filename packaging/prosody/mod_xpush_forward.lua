-- mod_xpush_forward: hands every message Prosody stores offline for a local
-- user to the xpush component, whole, wrapped in a XEP-0297 <forwarded/>
-- with a XEP-0203 <delay/>, so that push rules see JSON bodies, extension
-- elements and encryption markers, not just a XEP-0357 summary.
--
--   modules_enabled = { ..., "xpush_forward" }
--   xpush_forward_to = "push.example.com"   -- the xpush component (required)
--   xpush_forward_hibernated = true         -- also messages queued for a hibernated
--                                           -- XEP-0198 session (default true)
--
-- When a user sends their first available presence (and Prosody hands them
-- their offline messages), the hook also tells xpush with
-- <user-back xmlns='urn:xpush:0' jid='user@host'/>: the user's unread count,
-- shown as the badge, starts again from zero.
--
-- Nothing is changed in Prosody's own handling: the message is still stored
-- offline, and mod_cloud_notify still publishes (xpush pushes each message
-- once). If xpush is down, the component route fails and only that wake-up
-- is lost; the message itself stays in offline storage.

local st = require "util.stanza";
local datetime = require "util.datetime";
local new_id = require "util.id".medium;

local component = module:get_option_string("xpush_forward_to");
if not component then
	module:log("error", "xpush_forward_to is not set: nothing will be forwarded");
	return;
end
local with_hibernated = module:get_option_boolean("xpush_forward_hibernated", true);

local function forward(stanza)
	if not stanza or stanza.name ~= "message" then return; end
	local copy = st.clone(stanza);
	copy.attr.xmlns = "jabber:client";
	module:send(st.message({ from = module.host; to = component; id = new_id() })
		:tag("forwarded", { xmlns = "urn:xmpp:forward:0" })
			:tag("delay", { xmlns = "urn:xmpp:delay"; stamp = datetime.datetime() }):up()
			:add_child(copy));
end

-- Priority 2: before mod_cloud_notify (1) publishes and mod_offline (-1)
-- stores. Returning nothing lets both go on.
module:hook("message/offline/handle", function(event)
	forward(event.stanza);
end, 2);

if with_hibernated then
	module:hook("smacks-hibernation-stanza-queued", function(event)
		forward(event.stanza);
	end, 2);
end

-- The user is back: their badge starts again from zero.
module:hook("presence/initial", function(event)
	local origin = event.origin;
	if not origin.username then return; end
	module:send(st.message({ from = module.host; to = component; id = new_id() })
		:tag("user-back", { xmlns = "urn:xpush:0"; jid = origin.username .. "@" .. origin.host }));
end);
