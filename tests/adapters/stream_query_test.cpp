#include "cxgw/adapters/stream_query.hpp"

#include <gtest/gtest.h>

namespace cxgw::adapters {
namespace {

TEST(ChangedSince, OnlyThePlaceholderOfItsOwnIsReplaced) {
  EXPECT_EQ(bindChangedSince("WHERE :changed_since IS NULL OR t >= :changed_since::timestamptz",
                             "'2026-03-01'"),
            "WHERE '2026-03-01' IS NULL OR t >= '2026-03-01'::timestamptz");
  EXPECT_EQ(bindChangedSince("(:changed_since)", "NULL"), "(NULL)");
  // A longer name, a cast to a type of that name, and no placeholder at all stay as they are.
  EXPECT_EQ(bindChangedSince("x = :changed_since_2 AND y::changed_since", "NULL"),
            "x = :changed_since_2 AND y::changed_since");
  EXPECT_EQ(bindChangedSince("SELECT 1", "NULL"), "SELECT 1");
  EXPECT_TRUE(usesChangedSince("a >= :changed_since\n"));
  EXPECT_FALSE(usesChangedSince("a >= :changed_sinceX OR b::changed_since"));
}

TEST(StreamReadSql, AFullReadBindsNullAndOrdersByWatermarkThenKey) {
  const StreamRead read{"SELECT * FROM t WHERE :changed_since IS NULL OR u >= :changed_since",
                        {"changed_at", "id"},
                        {"part", "serial"},
                        std::nullopt};
  EXPECT_EQ(streamReadSql(read),
            "SELECT * FROM (SELECT * FROM t WHERE NULL IS NULL OR u >= NULL) cxgw_s "
            "ORDER BY \"changed_at\", \"id\", \"part\", \"serial\"");
}

TEST(StreamReadSql, AnIncrementalReadBindsTheFirstWatermarkValueAndFiltersAfterTheWatermark) {
  const StreamRead read{"SELECT * FROM t WHERE :changed_since IS NULL OR u >= :changed_since",
                        {"changed_at", "id"},
                        {"serial"},
                        std::vector<std::string>{"'2026-03-01 10:00:00+00'", "'42'"}};
  EXPECT_EQ(streamReadSql(read),
            "SELECT * FROM (SELECT * FROM t WHERE '2026-03-01 10:00:00+00' IS NULL OR u >= "
            "'2026-03-01 10:00:00+00') cxgw_s WHERE (\"changed_at\", \"id\") > "
            "('2026-03-01 10:00:00+00', '42') ORDER BY \"changed_at\", \"id\", \"serial\"");
}

TEST(StreamReadSql, AStoredWatermarkOfAnotherShapeMeansAFullRead) {
  const StreamRead read{
      "SELECT :changed_since", {"changed_at", "id"}, {"k"}, std::vector<std::string>{"'1'"}};
  EXPECT_EQ(streamReadSql(read),
            "SELECT * FROM (SELECT NULL) cxgw_s ORDER BY \"changed_at\", \"id\", \"k\"");
}

TEST(StreamReadSql, WithoutAWatermarkRowsComeInKeyOrderAndIdentifiersAreQuoted) {
  const StreamRead read{"SELECT 1", {}, {"we\"ird"}, std::nullopt};
  EXPECT_EQ(streamReadSql(read), "SELECT * FROM (SELECT 1) cxgw_s ORDER BY \"we\"\"ird\"");
}

}  // namespace
}  // namespace cxgw::adapters
