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
-- shown as the badge, starts again from zero. When one of the user's own
-- clients reads a chat (it sends a XEP-0333 displayed marker into it, or
-- publishes a XEP-0490 displayed update for it), the hook tells xpush with
-- <read xmlns='urn:xpush:0' jid='user@host' chat='contact@host'/>: the
-- user's other devices get a silent push to clear that chat's notifications.
--
-- Nothing is changed in Prosody's own handling: the message is still stored
-- offline, and mod_cloud_notify still publishes (xpush pushes each message
-- once). If xpush is down, the component route fails and only that wake-up
-- is lost; the message itself stays in offline storage.

local st = require "util.stanza";
local datetime = require "util.datetime";
local new_id = require "util.id".medium;
local jid_bare = require "util.jid".bare;

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

-- One of the user's own clients read a chat.
local function read(origin, chat)
	if not origin.username or not chat then return; end
	module:send(st.message({ from = module.host; to = component; id = new_id() })
		:tag("read", { xmlns = "urn:xpush:0"; jid = origin.username .. "@" .. origin.host; chat = chat }));
end

-- A XEP-0333 displayed marker sent into a chat or a room.
local function on_sent_message(event)
	local stanza = event.stanza;
	if stanza.attr.type == "error" or not stanza:get_child("displayed", "urn:xmpp:chat-markers:0") then return; end
	read(event.origin, jid_bare(stanza.attr.to));
end
module:hook("pre-message/bare", on_sent_message);
module:hook("pre-message/full", on_sent_message);

-- A XEP-0490 displayed update published to the user's own PEP: the item id
-- is the chat.
module:hook("pre-iq/bare", function(event)
	local stanza = event.stanza;
	if not event.to_self or stanza.attr.type ~= "set" then return; end
	local pubsub = stanza:get_child("pubsub", "http://jabber.org/protocol/pubsub");
	local publish = pubsub and pubsub:get_child("publish");
	if not publish or publish.attr.node ~= "urn:xmpp:mds:displayed:0" then return; end
	local item = publish:get_child("item");
	if item then read(event.origin, jid_bare(item.attr.id)); end
end);
