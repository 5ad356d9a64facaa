"""Cross-cutting pieces every part of Tongxin uses: settings and the message catalog."""
