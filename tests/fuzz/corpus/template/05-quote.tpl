CP "unterminated
