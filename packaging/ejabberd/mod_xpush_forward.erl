%%% mod_xpush_forward: hands every message ejabberd stores offline for a
%%% local user to the xpush component, whole, wrapped in a XEP-0297
%%% <forwarded/> with a XEP-0203 <delay/>, so that push rules see JSON
%%% bodies, extension elements and encryption markers, not just a XEP-0357
%%% summary. Messages queued for a hibernated (XEP-0198 pending) session are
%%% forwarded too. When a user sends their first available presence (and
%%% mod_offline hands them their messages), xpush is told with
%%% <user-back xmlns='urn:xpush:0' jid='user@host'/>, so the unread count
%%% shown as the badge starts again from zero. When one of the user's own
%%% clients reads a chat (a XEP-0333 displayed marker sent into it, or a
%%% XEP-0490 displayed update published for it), xpush is told with
%%% <read xmlns='urn:xpush:0' jid='user@host' chat='contact@host'/>, so the
%%% user's other devices can clear that chat's notifications. Nothing else
%%% changes: the message is still stored offline.
%%%
%%% Build (once, for the installed ejabberd) and load:
%%%   erlc -I /usr/lib/x86_64-linux-gnu/ejabberd-*/include \
%%%        -I /usr/lib/erlang/lib/p1_xmpp-*/include -o /opt/xpush/ebin mod_xpush_forward.erl
%%%   ejabberdctl.cfg:  ERL_OPTIONS="-pa /opt/xpush/ebin"
%%%   ejabberd.yml:     modules: { mod_xpush_forward: { component: push.example.com } }
-module(mod_xpush_forward).
-behaviour(gen_mod).

-export([start/2, stop/1, reload/3, depends/2, mod_options/1, mod_opt_type/1, mod_doc/0]).
-export([offline_message/1, c2s_stanza/3, c2s_self_presence/1, user_send_packet/1]).

-include("xmpp.hrl").
-include("logger.hrl").

%% After mod_offline has stored the message (50), before mod_push (55).
-define(PRIORITY, 54).
-define(NS_MDS, <<"urn:xmpp:mds:displayed:0">>).

start(Host, _Opts) ->
    ejabberd_hooks:add(offline_message_hook, Host, ?MODULE, offline_message, ?PRIORITY),
    ejabberd_hooks:add(c2s_handle_send, Host, ?MODULE, c2s_stanza, ?PRIORITY),
    ejabberd_hooks:add(c2s_self_presence, Host, ?MODULE, c2s_self_presence, ?PRIORITY),
    ejabberd_hooks:add(user_send_packet, Host, ?MODULE, user_send_packet, ?PRIORITY),
    ok.

stop(Host) ->
    ejabberd_hooks:delete(offline_message_hook, Host, ?MODULE, offline_message, ?PRIORITY),
    ejabberd_hooks:delete(c2s_handle_send, Host, ?MODULE, c2s_stanza, ?PRIORITY),
    ejabberd_hooks:delete(c2s_self_presence, Host, ?MODULE, c2s_self_presence, ?PRIORITY),
    ejabberd_hooks:delete(user_send_packet, Host, ?MODULE, user_send_packet, ?PRIORITY),
    ok.

reload(_Host, _NewOpts, _OldOpts) -> ok.

depends(_Host, _Opts) -> [{mod_offline, hard}].

mod_opt_type(component) -> econf:domain().

%% `component` is required: there is no sensible default.
mod_options(_Host) -> [component].

mod_doc() ->
    #{desc => "Forwards each offline message to the xpush push gateway.",
      opts => [{component, #{value => "Domain", desc => "The xpush component's domain."}}]}.

%% Only messages mod_offline actually stored: not bounced errors, not
%% headlines or groupchat it refused.
offline_message({offlined, #message{to = #jid{lserver = Host}} = Msg} = Acc) ->
    forward(Host, Msg),
    Acc;
offline_message(Acc) ->
    Acc.

%% A message sent to a session that is waiting for its client to resume.
c2s_stanza(#{mgmt_state := pending, lserver := Host} = State, #message{type = Type} = Msg, _Result)
  when Type /= error ->
    forward(Host, Msg),
    State;
c2s_stanza(State, _Pkt, _Result) ->
    State.

forward(Host, Msg) ->
    Component = gen_mod:get_module_opt(Host, ?MODULE, component),
    ejabberd_router:route(
      #message{id = p1_rand:get_string(),
               from = jid:make(Host),
               to = jid:make(Component),
               sub_els = [#forwarded{delay = #delay{stamp = erlang:timestamp()}, sub_els = [Msg]}]}).

%% The first available presence of a session (as mod_offline tells it: no
%% presence sent before): the user is back.
c2s_self_presence({#presence{type = available}, #{jid := JID, lserver := Host} = State} = Acc) ->
    case maps:is_key(pres_last, State) of
        false -> user_back(Host, JID);
        true -> ok
    end,
    Acc;
c2s_self_presence(Acc) ->
    Acc.

user_back(Host, JID) ->
    Component = gen_mod:get_module_opt(Host, ?MODULE, component),
    Back = #xmlel{name = <<"user-back">>,
                  attrs = [{<<"xmlns">>, <<"urn:xpush:0">>},
                           {<<"jid">>, jid:encode(jid:remove_resource(JID))}]},
    ejabberd_router:route(
      #message{id = p1_rand:get_string(), from = jid:make(Host), to = jid:make(Component),
               sub_els = [Back]}).

%% One of the user's own clients read a chat: it sent a displayed marker
%% into it, or published a displayed update for it to its own PEP.
user_send_packet({#message{type = Type, to = #jid{} = To} = Msg, #{jid := JID, lserver := Host}} = Acc)
  when Type /= error ->
    case xmpp:get_subtag(Msg, #mark_displayed{}) of
        #mark_displayed{} -> read(Host, JID, jid:encode(jid:remove_resource(To)));
        false -> ok
    end,
    Acc;
user_send_packet({#iq{type = set, to = To} = IQ, #{jid := JID, lserver := Host}} = Acc) ->
    ToSelf = To == undefined orelse jid:tolower(jid:remove_resource(To)) == jid:tolower(jid:remove_resource(JID)),
    case ToSelf andalso xmpp:get_subtag(IQ, #pubsub{}) of
        #pubsub{publish = #ps_publish{node = ?NS_MDS, items = [#ps_item{id = Chat} | _]}} when Chat /= <<>> ->
            read(Host, JID, Chat);
        _ -> ok
    end,
    Acc;
user_send_packet(Acc) ->
    Acc.

read(Host, JID, Chat) ->
    Component = gen_mod:get_module_opt(Host, ?MODULE, component),
    Read = #xmlel{name = <<"read">>,
                  attrs = [{<<"xmlns">>, <<"urn:xpush:0">>},
                           {<<"jid">>, jid:encode(jid:remove_resource(JID))},
                           {<<"chat">>, Chat}]},
    ejabberd_router:route(
      #message{id = p1_rand:get_string(), from = jid:make(Host), to = jid:make(Component),
               sub_els = [Read]}).

