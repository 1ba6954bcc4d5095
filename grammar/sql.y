/* sql.y - placeholder grammar; replaced by the full ksqlDB grammar. */
%token_prefix TK_
%name slParse
input ::= SEMI.
