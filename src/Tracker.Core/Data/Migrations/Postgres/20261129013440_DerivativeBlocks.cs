using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Tracker.Core.Data.Migrations.Postgres
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    BaseModelId = table.Column<long>(type: "bigint", nullable: false),
                    SeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Count = table.Column<int>(type: "integer", nullable: false),
                    Children = table.Column<byte[]>(type: "bytea", nullable: false)
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

            // Children already stored become one merged block per base, each with its own listing times (json_build_array
            // writes timestamptz in ISO 8601 with an offset, which the blocks' reader takes).
            migrationBuilder.Sql("""
                INSERT INTO "DerivativeBlocks" ("BaseModelId", "SeenAt", "Count", "Children")
                SELECT "BaseModelId", MAX("LastSeenAt"), COUNT(*)::integer, convert_to(json_agg(json_build_array(
                    "RepoId", "Relation", "CreatedAt", "Downloads30d", "DownloadsAllTime", "Likes", "FirstSeenAt", "LastSeenAt"))::text, 'UTF8')
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    BaseModelId = table.Column<long>(type: "bigint", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Downloads30d = table.Column<long>(type: "bigint", nullable: true),
                    DownloadsAllTime = table.Column<long>(type: "bigint", nullable: true),
                    FirstSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Likes = table.Column<long>(type: "bigint", nullable: true),
                    Relation = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    RepoId = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    RepoKey = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
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
