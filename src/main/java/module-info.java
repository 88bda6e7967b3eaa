/** seda4j. */
module org.seda4j {
  requires org.slf4j;
  requires static transitive org.jspecify;

  exports org.seda4j;
}
