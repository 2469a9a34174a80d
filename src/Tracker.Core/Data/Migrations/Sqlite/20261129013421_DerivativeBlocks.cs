using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tracker.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DerivativeBlocks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DerivativeBlocks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    BaseModelId = table.Column<long>(type: "INTEGER", nullable: false),
                    SeenAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Count = table.Column<int>(type: "INTEGER", nullable: false),
                    Children = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DerivativeBlocks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DerivativeBlocks_Models_BaseModelId",
                        column: x => x.BaseModelId,
                        principalTable: "Models",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DerivativeBlocks_BaseModelId_Id",
                table: "DerivativeBlocks",
                columns: new[] { "BaseModelId", "Id" });

            // Children already stored become one merged block per base, each with its own listing times (in the
            // ISO 8601 form the blocks use; Microsoft.Data.Sqlite stores "yyyy-MM-dd HH:mm:ss.FFFFFFF", UTC).
            migrationBuilder.Sql("""
                INSERT INTO "DerivativeBlocks" ("BaseModelId", "SeenAt", "Count", "Children")
                SELECT "BaseModelId", MAX("LastSeenAt"), COUNT(*), CAST(json_group_array(json_array(
                    "RepoId", "Relation", replace("CreatedAt", ' ', 'T') || 'Z', "Downloads30d", "DownloadsAllTime", "Likes",
                    replace("FirstSeenAt", ' ', 'T') || 'Z', replace("LastSeenAt", ' ', 'T') || 'Z')) AS BLOB)
                FROM "Derivatives" GROUP BY "BaseModelId";
                """);

            migrationBuilder.DropTable(
                name: "Derivatives");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The blocks are not turned back into rows: the next collection lists every base's children again.
            migrationBuilder.Sql("""UPDATE "Models" SET "LineageSyncedAt" = NULL, "LineageNewestAt" = NULL, "LineageKnown" = NULL;""");

            migrationBuilder.DropTable(
                name: "DerivativeBlocks");

            migrationBuilder.CreateTable(
                name: "Derivatives",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    BaseModelId = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Downloads30d = table.Column<long>(type: "INTEGER", nullable: true),
                    DownloadsAllTime = table.Column<long>(type: "INTEGER", nullable: true),
                    FirstSeenAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastSeenAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Likes = table.Column<long>(type: "INTEGER", nullable: true),
                    Relation = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    RepoId = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    RepoKey = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Derivatives", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Derivatives_Models_BaseModelId",
                        column: x => x.BaseModelId,
                        principalTable: "Models",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Derivatives_BaseModelId_RepoKey",
                table: "Derivatives",
                columns: new[] { "BaseModelId", "RepoKey" },
                unique: true);
        }
    }
}
