using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tracker.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ClaimNotes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Note",
                table: "ClaimMeasurements",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Note",
                table: "ClaimMeasurements");
        }
    }
}
