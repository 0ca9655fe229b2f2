-- Prosody 0.12: add the xpush component (e.g. /etc/prosody/conf.d/xpush.cfg.lua).
-- The component port is private: Prosody binds it to loopback by default.
component_ports = { 5347 }
component_interfaces = { "127.0.0.1" }

-- On each VirtualHost whose users should get pushes (mod_cloud_notify is in
-- Debian's prosody-modules package):
--   modules_enabled = { ...; "smacks"; "mam"; "carbons"; "offline"; "cloud_notify" }

Component "push.example.com"
    component_secret = "change-me-long-random"  -- the same as component.secret in xpush.yaml

-- Optional: hand xpush every offline message whole (JSON bodies, extension
-- elements) with the forwarding hook in this folder (docs/forwarding.md):
--   plugin_paths = { "/usr/local/lib/xpush/prosody" }   -- where mod_xpush_forward.lua is
--   modules_enabled = { ...; "xpush_forward" }
--   xpush_forward_to = "push.example.com"
