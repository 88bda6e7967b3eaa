// A user's module: it names seda4j and nothing else.
module app {
  requires org.seda4j;
}
